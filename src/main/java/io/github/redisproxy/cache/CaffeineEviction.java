package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * TinyLFU: Caffeine's own {@code maximumSize} bound decides (and the cache's removal listener counts its evictions),
 * so this policy has nothing to record.
 */
final class CaffeineEviction<K, V> implements Eviction<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;

  CaffeineEviction(ConcurrentMap<K, CompletableFuture<V>> map) {
    this.map = map;
  }

  @Override
  public void recordRead(K key) {}

  @Override
  public void recordLoaded(K key, CompletableFuture<V> entry) {}

  @Override
  public boolean invalidate(K key) {
    return map.remove(key) != null;
  }

  @Override
  public long invalidateAll() {
    return removeAll(map);
  }

  /** Removes the keys one by one, so that the count is of keys this call removed. */
  static <K> long removeAll(ConcurrentMap<K, ?> map) {
    long removed = 0;
    for (K key : map.keySet()) {
      if (map.remove(key) != null) {
        removed++;
      }
    }
    return removed;
  }
}
