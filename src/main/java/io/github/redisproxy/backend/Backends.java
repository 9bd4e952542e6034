package io.github.redisproxy.backend;

import io.github.redisproxy.config.BackendConfig;

/** Starts the backend an address asks for. */
public final class Backends {
  private Backends() {}

  /**
   * One Redis, a Redis Cluster, or a sentinel-managed set, by the address' form; connects in the
   * background and returns at once.
   */
  public static Backend start(BackendConfig config) {
    if (config.address().isCluster()) {
      return RoutedBackend.cluster(config);
    }
    if (config.address().isSentinel()) {
      return RoutedBackend.sentinel(config);
    }
    return LettuceBackend.start(config);
  }
}
