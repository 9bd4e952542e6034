package io.github.redisproxy.config;

import java.time.Duration;

/**
 * How to reach the backing Redis.
 *
 * @param address where it is
 * @param timeout how long one command may take before it fails
 * @param invalidation whether Redis is asked to report the keys the proxy read when they change
 */
public record BackendConfig(RedisAddress address, Duration timeout, InvalidationMode invalidation) {

  /** The same settings for a Redis at {@code host}:{@code port} (an embedded one, once started). */
  public BackendConfig at(String host, int port) {
    return new BackendConfig(address.at(host, port), timeout, invalidation);
  }
}
