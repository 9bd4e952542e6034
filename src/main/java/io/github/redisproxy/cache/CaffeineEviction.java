package io.github.redisproxy.cache;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * TinyLFU: Caffeine's own {@code maximumSize} bound decides (and the cache's removal listener
 * counts its evictions), so this policy has nothing to record.
 */
final class CaffeineEviction<K, V> implements Eviction<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;

  CaffeineEviction(ConcurrentMap<K, CompletableFuture<V>> map) {
    this.map = map;
  }

  @Override
  public CacheEntry<V> newEntry(K key) {
    return new CacheEntry<>();
  }

  @Override
  public void recordRead(K key, CompletableFuture<V> entry) {}

  @Override
  public void recordLoaded(K key, CompletableFuture<V> entry) {}

  @Override
  public boolean invalidate(K key, boolean loadsToo) {
    return remove(map, key, loadsToo) != null;
  }

  @Override
  public long invalidateAll(boolean loadsToo) {
    return removeAll(map, loadsToo);
  }

  /**
   * Removes {@code key}'s entry, unless it is a load in flight and not {@code loadsToo} (then it is
   * marked overtaken); returns the entry this call removed, or null. Every future in the map was
   * made by {@link Eviction#newEntry}.
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
