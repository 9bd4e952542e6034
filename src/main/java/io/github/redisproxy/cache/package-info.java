/**
 * The local cache: futures of values keyed by anything, one shared load per key, expiry after load,
 * and a bounded size with exact LRU or Caffeine's TinyLFU eviction. It knows nothing of Redis or
 * HTTP.
 */
package io.github.redisproxy.cache;
