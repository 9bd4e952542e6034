package io.github.redisproxy.config;

import java.util.Locale;

/** Which key the local cache gives up when it is full. */
public enum CachePolicy {
  /** Exactly the least-recently-read key. */
  LRU,
  /**
   * Caffeine's own Window TinyLFU, which may instead refuse a newcomer that is unlikely to be read
   * again.
   */
  TINYLFU;

  /**
   * The name CACHE_POLICY takes, which {@code /cache/stats}, {@code INFO} and the start-up log show
   * too: the one place it is spelled.
   */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The value whose {@link #configName} is {@code raw}, in any letter case. */
  static CachePolicy parse(String raw) {
    return valueOf(raw.toUpperCase(Locale.ROOT));
  }
}
