package io.github.redisproxy.config;

import java.time.Duration;

/**
 * The local cache's bounds and freshness rules.
 *
 * @param capacity the maximum number of loaded keys
 * @param expiry how long an entry lives after its load completed, at most (a value's own time to
 *     live can only shorten it)
 * @param policy which key goes when the cache is full
 * @param maxBytes the most the cached keys and values may add up to, in bytes
 * @param maxValueBytes values longer than this are answered but not cached
 * @param staleIfError how long after an entry expired (or was dropped because the connection that
 *     reports its changes was lost) it may still answer while Redis cannot; zero: never
 * @param refreshAhead the fraction of an entry's lifetime after which a hit also reloads it in the
 *     background; zero: never
 */
public record CacheConfig(
    int capacity,
    Duration expiry,
    CachePolicy policy,
    long maxBytes,
    long maxValueBytes,
    Duration staleIfError,
    double refreshAhead) {

  /** Bounded in keys only, with no stale answers and no refresh-ahead. */
  public CacheConfig(int capacity, Duration expiry, CachePolicy policy) {
    this(capacity, expiry, policy, Long.MAX_VALUE, Long.MAX_VALUE, Duration.ZERO, 0);
  }

  public CacheConfig {
    if (maxBytes <= 0 || maxValueBytes <= 0 || staleIfError.isNegative()) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    if (!(refreshAhead >= 0 && refreshAhead < 1)) {
      throw new IllegalArgumentException("refreshAhead must be in [0, 1)");
    }
  }

  /** This configuration with other byte bounds. */
  public CacheConfig withBytes(long maxBytes, long maxValueBytes) {
    return new CacheConfig(
        capacity, expiry, policy, maxBytes, maxValueBytes, staleIfError, refreshAhead);
  }

  /** This configuration with other stale and refresh rules. */
  public CacheConfig withFreshness(Duration staleIfError, double refreshAhead) {
    return new CacheConfig(
        capacity, expiry, policy, maxBytes, maxValueBytes, staleIfError, refreshAhead);
  }
}
