package io.github.redisproxy.cache;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * What a {@link CoalescingCache} tells its eviction policy, and how keys leave the cache. The
 * Caffeine map is the single store of entries; a policy keeps at most an order of its entries
 * beside it.
 */
interface EvictionPolicy<K, V> {

  /**
   * The future that will hold {@code key}'s next load, created before it goes into the map. A
   * policy may return a subclass that carries its own bookkeeping, so that it needs no map of its
   * own.
   */
  CacheEntry<V> newEntry(K key);

  /** A loaded value was read from the cache; {@code entry} is the future it was read from. */
  void recordRead(K key, CompletableFuture<V> entry);

  /**
   * A load of {@code key} succeeded and is about to be handed to its callers; {@code entry} is its
   * future in the map unless the key was invalidated meanwhile.
   *
   * @param expiresAt when the value expires by its own rule, on the cache's ticker ({@link
   *     Long#MAX_VALUE}: by the cache's expiry alone)
   * @param weight the key's and the value's bytes
   */
  void recordLoaded(K key, CompletableFuture<V> entry, long expiresAt, long weight);

  /** The cache took {@code entry} out of the map itself (a refreshed value replaced it). */
  void removed(CompletableFuture<V> entry);

  /** The bytes of the cached keys and values, as this policy counts them. */
  long bytes();

  /**
   * Removes one key from the map and from the policy's own order.
   *
   * @param loadsToo whether a load in flight is removed too; if not, it stays and is marked
   *     overtaken ({@link CacheEntry#overtakeIfLoading}), and only a loaded value is removed
   * @return whether the key was removed
   */
  boolean invalidate(K key, boolean loadsToo);

  /**
   * Removes every key.
   *
   * @param loadsToo whether loads in flight are removed too; if not, they stay and are marked
   *     overtaken, and only loaded values are removed
   * @return how many keys were removed
   */
  long invalidateAll(boolean loadsToo);

  /**
   * Removes {@code key}'s entry, unless it is a load in flight and not {@code loadsToo} (then it is
   * marked overtaken); returns the entry this call removed, or null. Every future in the map was
   * made by {@link #newEntry}.
   */
  static <K, V> CacheEntry<V> remove(
      ConcurrentMap<K, CompletableFuture<V>> map, K key, boolean loadsToo) {
    CacheEntry<V> present = (CacheEntry<V>) map.get(key);
    if (present == null
        || (!loadsToo && present.overtakeIfLoading())
        || !map.remove(key, present)) {
      return null;
    }
    return present;
  }

  /** Removes the entries one by one, so that the count is of entries this call removed. */
  static <K, V> long removeAll(ConcurrentMap<K, CompletableFuture<V>> map, boolean loadsToo) {
    long removed = 0;
    for (Map.Entry<K, CompletableFuture<V>> entry : map.entrySet()) {
      CacheEntry<V> present = (CacheEntry<V>) entry.getValue();
      if ((loadsToo || !present.overtakeIfLoading()) && map.remove(entry.getKey(), present)) {
        removed++;
      }
    }
    return removed;
  }
}
