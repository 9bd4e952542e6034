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
  /** Redis reported that it changed (CLIENT TRACKING), or that it is gone. */
  INVALIDATED,
  /**
   * The proxy could no longer be told of its changes (the connection carrying invalidations was
   * lost, or its hash slot moved to other nodes), so it might have changed unseen.
   */
  UNTRACKED;

  /**
   * The cause's name wherever evictions are reported: the {@code cause} tag in Prometheus, a field
   * of {@code evictions} in {@code /cache/stats}, the suffix of {@code cache_evictions_} in {@code
   * INFO}.
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
