package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/** TinyLFU: Caffeine's own {@code maximumSize} bound decides, so this policy has nothing to record. */
final class CaffeineEviction<K, V> implements Eviction<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;
  private final LongAdder sizeEvictions;

  /** {@code sizeEvictions} is counted by the cache's Caffeine eviction listener. */
  CaffeineEviction(ConcurrentMap<K, CompletableFuture<V>> map, LongAdder sizeEvictions) {
    this.map = map;
    this.sizeEvictions = sizeEvictions;
  }

  @Override
  public void recordRead(K key) {}

  @Override
  public void recordLoaded(K key, CompletableFuture<V> entry) {}

  @Override
  public void invalidate(K key) {
    map.remove(key);
  }

  @Override
  public void invalidateAll() {
    map.clear();
  }

  @Override
  public long evictionCount() {
    return sizeEvictions.sum();
  }
}
