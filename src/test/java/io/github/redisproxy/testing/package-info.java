/**
 * Fixtures for the system tests, which run the packaged jar against a real redis-server: {@link
 * io.github.redisproxy.testing.RedisServerExtension} and {@link
 * io.github.redisproxy.testing.ProxyExtension} for a class's Redis and proxy (registered in that
 * order, with {@code @Order}); {@link io.github.redisproxy.testing.ProxyProcess} (launch), {@link
 * io.github.redisproxy.testing.ProxyLog} (what the proxy wrote) and {@link
 * io.github.redisproxy.testing.ManagementClient} (its management port) for the proxy itself; and
 * clients that speak HTTP and RESP as a real client would, or byte by byte where one would not.
 */
package io.github.redisproxy.testing;
