package io.github.redisproxy.config;

import java.util.Locale;

/** How the local cache learns that a key changed in Redis. */
public enum InvalidationMode {
  /** Redis tells the proxy (CLIENT TRACKING); GLOBAL_CACHE_EXPIRY is only a backstop. */
  TRACKING,
  /** Only GLOBAL_CACHE_EXPIRY: a changed key may be served stale until its entry expires. */
  NONE;

  /**
   * The name CACHE_INVALIDATION takes, which {@code /cache/stats}, {@code INFO} and the start-up
   * log show too: the one place it is spelled.
   */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The value whose {@link #configName} is {@code raw}, in any letter case. */
  static InvalidationMode parse(String raw) {
    return valueOf(raw.toUpperCase(Locale.ROOT));
  }
}
