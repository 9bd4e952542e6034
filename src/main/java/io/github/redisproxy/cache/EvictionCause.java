package io.github.redisproxy.cache;

import java.util.Locale;

/** Why an entry left the cache before anyone asked for it again. */
public enum EvictionCause {
  /** The cache was full and the policy chose this entry. */
  SIZE,
  /**
   * GLOBAL_CACHE_EXPIRY passed since it was loaded; counted when the entry is cleaned up, which may
   * be later.
   */
  EXPIRED,
  /** An operator removed it (the management port's purge endpoints). */
  PURGED,
  /**
   * Redis reported that it changed (CLIENT TRACKING), or the proxy could no longer be told (the
   * connection carrying invalidations was lost), so it might have.
   */
  INVALIDATED;

  /**
   * The cause's name wherever evictions are reported: the {@code cause} tag in Prometheus, a field
   * of {@code evictions} in {@code /cache/stats}, the suffix of {@code cache_evictions_} in {@code
   * INFO}.
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
