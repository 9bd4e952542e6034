/**
 * Starts and stops real Redis child processes: the redis-server on {@code PATH}, else the binary
 * shipped in {@code com.github.codemonstur:embedded-redis}. {@link
 * io.github.redisproxy.backend.embedded.RedisServerProcess} is one server (or sentinel), used by
 * {@code REDIS_ADDRESS=embedded}; {@link io.github.redisproxy.backend.embedded.RedisClusterProcess}
 * is a whole Redis Cluster on loopback, for {@code REDIS_ADDRESS=embedded-cluster}. The tests use
 * both.
 */
package io.github.redisproxy.backend.embedded;
