package io.github.redisproxy.config;

/** Which key the local cache gives up when it is full. */
public enum CachePolicy {
  /** Exactly the least-recently-read key. */
  LRU,
  /**
   * Caffeine's own Window TinyLFU, which may instead refuse a newcomer that is unlikely to be read
   * again.
   */
  TINYLFU
}
