package io.github.redisproxy.cache;

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
  INVALIDATED
}
