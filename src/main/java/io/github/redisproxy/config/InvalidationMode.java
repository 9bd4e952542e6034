package io.github.redisproxy.config;

/** How the local cache learns that a key changed in Redis. */
public enum InvalidationMode {
  /** Redis tells the proxy (CLIENT TRACKING); GLOBAL_CACHE_EXPIRY is only a backstop. */
  TRACKING,
  /** Only GLOBAL_CACHE_EXPIRY: a changed key may be served stale until its entry expires. */
  NONE
}
