/**
 * The management port, apart from the proxy port so that no key can shadow it: health probes, the
 * Prometheus scrape endpoint, cache statistics and the operators' purge endpoints; and the meter
 * registry they read.
 */
package io.github.redisproxy.management;
