package io.github.redisproxy.cache;

import java.util.Map;
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
  public CompletableFuture<V> newEntry(K key) {
    return new CompletableFuture<>();
  }

  @Override
  public void recordRead(K key, CompletableFuture<V> entry) {}

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

  /** Removes the entries one by one, so that the count is of entries this call removed. */
  static <K, V> long removeAll(ConcurrentMap<K, CompletableFuture<V>> map) {
    long removed = 0;
    for (Map.Entry<K, CompletableFuture<V>> entry : map.entrySet()) {
      if (map.remove(entry.getKey(), entry.getValue())) {
        removed++;
      }
    }
    return removed;
  }
}
