package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Caffeine's own Window TinyLFU: the cache's {@code maximumSize} bound decides what leaves (and the
 * cache's removal listener counts those evictions), so this policy has nothing to record.
 */
final class TinyLfuPolicy<K, V> implements EvictionPolicy<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;

  TinyLfuPolicy(ConcurrentMap<K, CompletableFuture<V>> map) {
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
    return EvictionPolicy.remove(map, key, loadsToo) != null;
  }

  @Override
  public long invalidateAll(boolean loadsToo) {
    return EvictionPolicy.removeAll(map, loadsToo);
  }
}
