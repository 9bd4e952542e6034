package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Exact least-recently-used eviction beside an unbounded Caffeine map.
 *
 * <p>Two linked orders of the loaded entries, under one short lock: by read (least recently read
 * first) and by load (oldest load first). Each operation is O(1) (amortized for expiry): a read
 * moves one entry to the tail of the read order; a load appends one entry to both; when a load
 * would make the cache hold more than {@code capacity} live entries, the head of the read order is
 * removed.
 *
 * <p>The orders are intrusive: each entry's future is an {@link Entry}, which carries its own
 * links, so the policy keeps no map of its own. That is about 90 bytes less per cached key than two
 * {@code LinkedHashMap}s would cost (their entries, table slots and a record for the load time),
 * which is what lets a million 100-byte values fit in a 512 MB heap.
 *
 * <p>Why the load order: an entry that has expired is never served (Caffeine checks on read), but
 * Caffeine removes it from its map only lazily. Counting such an entry as live would evict a live
 * key too early. Most entries live for the one global duration from their load, so expired ones are
 * always a prefix of the load order, and dropping that prefix before choosing a victim keeps the
 * count exact. An entry whose value must expire sooner (its key's time to live in Redis) is kept
 * out of the load order, in a tree ordered by its expiry instead: O(log n) for those entries only.
 * For the same reason an entry replaced in the map after it expired is still linked until it is
 * dropped, at the latest just before the load that replaced it is linked.
 *
 * <p>Besides the key count, the sum of the linked entries' weights (key and value bytes) is kept
 * under {@code maxBytes}: a load that goes over evicts from the head of the read order too.
 *
 * <p>Lock order: this lock, then Caffeine's. Caffeine never calls back into this class, so no cycle
 * exists.
 */
final class ExactLruPolicy<K, V> implements EvictionPolicy<K, V> {
  private final ConcurrentMap<K, CompletableFuture<V>> map;
  private final int capacity;
  private final long expiryNanos;
  private final long maxBytes;
  private final Ticker ticker;
  private final EvictionCounters evictions;
  private final ExpiryListener<K, V> expired;
  private final TreeSet<Entry<K, V>> shortLived =
      new TreeSet<>(
          Comparator.<Entry<K, V>>comparingLong(entry -> entry.expiresAt)
              .thenComparingLong(entry -> entry.sequence));
  private long sequence;
  private long bytes;

  // Guarded by "this": the two orders' ends (each list's head is its eldest) and how many entries
  // are linked.
  private Entry<K, V> eldestRead;
  private Entry<K, V> newestRead;
  private Entry<K, V> eldestLoad;
  private Entry<K, V> newestLoad;
  private int linked;

  /**
   * The future of one load, and its place in both orders once its value is cached. The links are
   * guarded by the policy's lock; {@code linked} is true exactly while the entry is in both orders.
   */
  static final class Entry<K, V> extends CacheEntry<V> {
    private final K key;
    private long expiresAt;
    private long weight;
    private long sequence;
    private boolean inTree;
    private boolean linked;
    private Entry<K, V> previousRead;
    private Entry<K, V> nextRead;
    private Entry<K, V> previousLoad;
    private Entry<K, V> nextLoad;

    Entry(K key) {
      this.key = key;
    }
  }

  ExactLruPolicy(
      ConcurrentMap<K, CompletableFuture<V>> map,
      int capacity,
      long expiryNanos,
      long maxBytes,
      Ticker ticker,
      EvictionCounters evictions,
      ExpiryListener<K, V> expired) {
    this.map = map;
    this.capacity = capacity;
    this.expiryNanos = expiryNanos;
    this.maxBytes = maxBytes;
    this.ticker = ticker;
    this.evictions = evictions;
    this.expired = expired;
  }

  /** Told of each entry this policy removes because it expired. */
  @FunctionalInterface
  interface ExpiryListener<K, V> {
    void expired(K key, CompletableFuture<V> entry);
  }

  @Override
  public CacheEntry<V> newEntry(K key) {
    return new Entry<>(key);
  }

  @Override
  public synchronized void recordRead(K key, CompletableFuture<V> future) {
    Entry<K, V> entry = entry(future);
    if (!entry.linked || entry == newestRead) {
      return; // removed meanwhile (the reader got it just before), or already the most recent
    }
    unlinkRead(entry);
    appendRead(entry);
  }

  @Override
  public synchronized void recordLoaded(
      K key, CompletableFuture<V> future, long expiresAt, long weight) {
    Entry<K, V> entry = entry(future);
    if (map.get(key) != entry) {
      return; // invalidated while loading: the value goes to its callers but is not cached
    }
    long now = ticker.read();
    dropExpired(now);
    long global = now + expiryNanos;
    entry.linked = true;
    entry.weight = weight;
    appendRead(entry);
    if (expiresAt < global) {
      entry.expiresAt = expiresAt;
      entry.sequence = sequence++;
      entry.inTree = true;
      shortLived.add(entry);
    } else {
      entry.expiresAt = global;
      appendLoad(entry);
    }
    linked++;
    bytes += weight;
    while (linked > capacity || bytes > maxBytes) {
      Entry<K, V> victim = eldestRead;
      unlink(victim);
      map.remove(victim.key, victim);
      evictions.record(EvictionCause.SIZE);
    }
  }

  @Override
  public synchronized void removed(CompletableFuture<V> future) {
    Entry<K, V> entry = entry(future);
    if (entry.linked) {
      unlink(entry);
    }
  }

  /** Drops the expired entries first, so that the count is of entries that can still be read. */
  @Override
  public synchronized long bytes() {
    dropExpired(ticker.read());
    return bytes;
  }

  @Override
  public synchronized boolean invalidate(K key, boolean loadsToo) {
    CacheEntry<V> removed = EvictionPolicy.remove(map, key, loadsToo);
    if (removed == null) {
      return false;
    }
    Entry<K, V> entry = entry(removed);
    if (entry.linked) {
      // A load removed in flight is not linked, and never will be: recordLoaded checks the map.
      unlink(entry);
    }
    return true;
  }

  @Override
  public synchronized long invalidateAll(boolean loadsToo) {
    // Every linked entry has loaded, so it is removed either way; a load in flight is not linked.
    long removed = EvictionPolicy.removeAll(map, loadsToo);
    while (eldestRead != null) {
      unlink(eldestRead);
    }
    return removed;
  }

  /** Every future in the map was made by {@link #newEntry}. */
  @SuppressWarnings("unchecked")
  private static <K, V> Entry<K, V> entry(CompletableFuture<V> future) {
    return (Entry<K, V>) future;
  }

  private void dropExpired(long now) {
    while (eldestLoad != null && eldestLoad.expiresAt <= now) {
      expire(eldestLoad);
    }
    while (!shortLived.isEmpty() && shortLived.first().expiresAt <= now) {
      expire(shortLived.first());
    }
  }

  private void expire(Entry<K, V> entry) {
    unlink(entry);
    // False when Caffeine cleaned it up first (its removal listener counted it then), or a new load
    // replaced it.
    if (map.remove(entry.key, entry)) {
      evictions.record(EvictionCause.EXPIRED);
      expired.expired(entry.key, entry);
    }
  }

  private void unlink(Entry<K, V> entry) {
    unlinkRead(entry);
    if (entry.inTree) {
      shortLived.remove(entry);
      entry.inTree = false;
    } else {
      unlinkLoad(entry);
    }
    entry.linked = false;
    linked--;
    bytes -= entry.weight;
  }

  private void appendRead(Entry<K, V> entry) {
    entry.previousRead = newestRead;
    entry.nextRead = null;
    if (newestRead == null) {
      eldestRead = entry;
    } else {
      newestRead.nextRead = entry;
    }
    newestRead = entry;
  }

  private void unlinkRead(Entry<K, V> entry) {
    if (entry.previousRead == null) {
      eldestRead = entry.nextRead;
    } else {
      entry.previousRead.nextRead = entry.nextRead;
    }
    if (entry.nextRead == null) {
      newestRead = entry.previousRead;
    } else {
      entry.nextRead.previousRead = entry.previousRead;
    }
    entry.previousRead = null;
    entry.nextRead = null;
  }

  private void appendLoad(Entry<K, V> entry) {
    entry.previousLoad = newestLoad;
    entry.nextLoad = null;
    if (newestLoad == null) {
      eldestLoad = entry;
    } else {
      newestLoad.nextLoad = entry;
    }
    newestLoad = entry;
  }

  private void unlinkLoad(Entry<K, V> entry) {
    if (entry.previousLoad == null) {
      eldestLoad = entry.nextLoad;
    } else {
      entry.previousLoad.nextLoad = entry.nextLoad;
    }
    if (entry.nextLoad == null) {
      newestLoad = entry.previousLoad;
    } else {
      entry.nextLoad.previousLoad = entry.previousLoad;
    }
    entry.previousLoad = null;
    entry.nextLoad = null;
  }
}
