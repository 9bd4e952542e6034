package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * Caffeine's own Window TinyLFU: the cache's {@code maximumSize} bound decides what leaves (and the
 * cache's removal listener counts those evictions), so this policy has nothing to record.
 */
final class TinyLfuPolicy<K, V> implements EvictionPolicy<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;
  private final LongSupplier bytes;

  /**
   * @param bytes the bytes Caffeine's weights add up to (the cache's bound counts something more
   *     per key, which this leaves out)
   */
  TinyLfuPolicy(ConcurrentMap<K, CompletableFuture<V>> map, LongSupplier bytes) {
    this.map = map;
    this.bytes = bytes;
  }

  @Override
  public CacheEntry<V> newEntry(K key) {
    return new CacheEntry<>();
  }

  @Override
  public void recordRead(K key, CompletableFuture<V> entry) {}

  @Override
  public void recordLoaded(K key, CompletableFuture<V> entry, long expiresAt, long weight) {}

  @Override
  public void removed(CompletableFuture<V> entry) {}

  @Override
  public long bytes() {
    return bytes.getAsLong();
  }

  @Override
  public boolean invalidate(K key, boolean loadsToo) {
    return EvictionPolicy.remove(map, key, loadsToo) != null;
  }

  @Override
  public long invalidateAll(boolean loadsToo) {
    return EvictionPolicy.removeAll(map, loadsToo);
  }
}
