package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Exact least-recently-used eviction beside an unbounded Caffeine map.
 *
 * <p>Two linked orders of the loaded keys, under one short lock: {@code byRead} (least recently read first) and
 * {@code byLoad} (oldest load first). Each operation is O(1) (amortized for expiry): a read moves one node to the
 * tail of {@code byRead}; a load appends one node to both; when a load would make the cache hold more than
 * {@code capacity} live keys, the head of {@code byRead} is removed.
 *
 * <p>Why {@code byLoad}: an entry that has expired is never served (Caffeine checks on read), but Caffeine removes it
 * from its map only lazily. Counting such an entry as live would evict a live key too early. Expiry is measured from
 * load with one global duration, so expired keys are always a prefix of {@code byLoad}, and dropping that prefix
 * before choosing a victim keeps the count exact.
 *
 * <p>Lock order: this lock, then Caffeine's. Caffeine never calls back into this class, so no cycle exists.
 */
final class ExactLruEviction<K, V> implements Eviction<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;
  private final int capacity;
  private final long expiryNanos;
  private final Ticker ticker;
  private final Evictions evictions;

  // Guarded by "this".
  private final LinkedHashMap<K, Loaded<V>> byRead = new LinkedHashMap<>(16, 0.75f, true);
  private final LinkedHashMap<K, Loaded<V>> byLoad = new LinkedHashMap<>();

  private record Loaded<V>(CompletableFuture<V> entry, long loadedAt) {}

  ExactLruEviction(
      ConcurrentMap<K, CompletableFuture<V>> map,
      int capacity,
      long expiryNanos,
      Ticker ticker,
      Evictions evictions) {
    this.map = map;
    this.capacity = capacity;
    this.expiryNanos = expiryNanos;
    this.ticker = ticker;
    this.evictions = evictions;
  }

  @Override
  public synchronized void recordRead(K key) {
    byRead.get(key); // an access-ordered LinkedHashMap moves the key to the tail on get
  }

  @Override
  public synchronized void recordLoaded(K key, CompletableFuture<V> entry) {
    if (map.get(key) != entry) {
      return; // invalidated while loading: the value goes to its callers but is not cached
    }
    long now = ticker.read();
    dropExpired(now);
    Loaded<V> loaded = new Loaded<>(entry, now);
    byRead.put(key, loaded);
    byLoad.remove(key); // re-insert, so that byLoad stays in load order
    byLoad.put(key, loaded);
    while (byRead.size() > capacity) {
      Iterator<Map.Entry<K, Loaded<V>>> eldest = byRead.entrySet().iterator();
      Map.Entry<K, Loaded<V>> victim = eldest.next();
      eldest.remove();
      byLoad.remove(victim.getKey());
      map.remove(victim.getKey(), victim.getValue().entry());
      evictions.record(EvictionCause.SIZE);
    }
  }

  @Override
  public synchronized boolean invalidate(K key, boolean loadsToo) {
    Loaded<V> loaded = byLoad.get(key); // not byRead: a get there would count as a read
    boolean removed = loadsToo ? map.remove(key) != null : loaded != null && map.remove(key, loaded.entry());
    if (removed || loadsToo) {
      byRead.remove(key);
      byLoad.remove(key);
    }
    return removed;
  }

  @Override
  public synchronized long invalidateAll(boolean loadsToo) {
    long removed;
    if (loadsToo) {
      removed = CaffeineEviction.removeAll(map, true);
    } else {
      // The loaded keys are exactly those in the orders: a value is recorded here just before its future completes.
      removed = 0;
      for (Map.Entry<K, Loaded<V>> loaded : byLoad.entrySet()) {
        if (map.remove(loaded.getKey(), loaded.getValue().entry())) {
          removed++;
        }
      }
    }
    byRead.clear();
    byLoad.clear();
    return removed;
  }

  private void dropExpired(long now) {
    Iterator<Map.Entry<K, Loaded<V>>> oldest = byLoad.entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<K, Loaded<V>> next = oldest.next();
      if (now - next.getValue().loadedAt() < expiryNanos) {
        return;
      }
      oldest.remove();
      byRead.remove(next.getKey());
      // False when Caffeine cleaned it up first; its removal listener counted it then.
      if (map.remove(next.getKey(), next.getValue().entry())) {
        evictions.record(EvictionCause.EXPIRED);
      }
    }
  }
}
