package io.github.redisproxy.config;

import java.time.Duration;

/**
 * How to reach the backing Redis.
 *
 * @param address where it is
 * @param timeout how long one command may take before it fails
 * @param invalidation whether Redis is asked to report the keys the proxy read when they change
 * @param readFrom which nodes serve reads; anything but {@link ReadFrom#MASTER} only with a cluster
 *     or sentinel address
 * @param clusterRefreshPeriod how often a cluster's topology is refreshed, and a sentinel's master
 *     reconciled, besides the refreshes that events trigger
 */
public record BackendConfig(
    RedisAddress address,
    Duration timeout,
    InvalidationMode invalidation,
    ReadFrom readFrom,
    Duration clusterRefreshPeriod) {

  /** The same settings for a Redis at {@code host}:{@code port} (an embedded one, once started). */
  public BackendConfig at(String host, int port) {
    return withAddress(address.at(host, port));
  }

  /** The same settings for another address (an embedded cluster, once started). */
  public BackendConfig withAddress(RedisAddress newAddress) {
    return new BackendConfig(newAddress, timeout, invalidation, readFrom, clusterRefreshPeriod);
  }
}
