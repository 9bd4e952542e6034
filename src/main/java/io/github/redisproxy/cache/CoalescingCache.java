package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * The one {@link LocalCache} implementation: a Caffeine {@link AsyncCache} of futures (which gives
 * coalescing and expire-after-write), with an {@link EvictionPolicy} beside it.
 *
 * <p>Loads are started only after their future is in the map. Caffeine's {@code AsyncLoadingCache}
 * would call the loader inside its map computation, where a load that completes synchronously
 * (Lettuce rejects a command at once while disconnected) could not remove its own failed entry;
 * starting afterwards keeps every completion outside Caffeine's locks, so a failed or empty load
 * can be removed <em>before</em> its callers are told.
 */
final class CoalescingCache<K, V> implements LocalCache<K, V> {
  private final AsyncCache<K, V> cache;
  private final ConcurrentMap<K, CompletableFuture<V>> map;
  private final Loader<K, V> loader;
  private final EvictionPolicy<K, V> eviction;
  private final EvictionCounters evictions = new EvictionCounters();

  CoalescingCache(CacheConfig config, Ticker ticker, Loader<K, V> loader) {
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(config.expiry())
            .executor(Runnable::run)
            // Caffeine's own evictions: expiries under either policy, and size under tinylfu. The
            // exact LRU policy removes its victims explicitly, so it counts those itself.
            .removalListener(
                (key, value, cause) -> {
                  if (cause == RemovalCause.EXPIRED) {
                    evictions.record(EvictionCause.EXPIRED);
                  } else if (cause == RemovalCause.SIZE) {
                    evictions.record(EvictionCause.SIZE);
                  }
                });
    if (config.policy() == CachePolicy.TINYLFU) {
      builder.maximumSize(config.capacity());
    }
    this.cache = builder.buildAsync();
    this.map = cache.asMap();
    this.loader = loader;
    this.eviction =
        config.policy() == CachePolicy.LRU
            ? new ExactLruPolicy<>(
                map, config.capacity(), config.expiry().toNanos(), ticker, evictions)
            : new TinyLfuPolicy<>(map);
  }

  @Override
  public CacheRead<V> get(K key) {
    CompletableFuture<V> present = cache.getIfPresent(key);
    if (present != null) {
      if (!present.isDone()) {
        return new CacheRead<>(present, CacheRead.Source.JOINED_LOAD);
      }
      if (!failedOrEmpty(present)) {
        eviction.recordRead(key, present);
        return new CacheRead<>(present, CacheRead.Source.HIT);
      }
      // A finished miss that Caffeine has not removed yet: never serve it twice.
      map.remove(key, present);
    }
    CacheEntry<V> mine = eviction.newEntry(key);
    CompletableFuture<V> shared = cache.get(key, (k, executor) -> mine);
    if (shared != mine) {
      return new CacheRead<>(shared, CacheRead.Source.JOINED_LOAD);
    }
    startLoad(key, mine);
    return new CacheRead<>(mine, CacheRead.Source.STARTED_LOAD);
  }

  @Override
  public V getLoaded(K key) {
    CompletableFuture<V> present = cache.getIfPresent(key);
    if (present == null || !present.isDone() || present.isCompletedExceptionally()) {
      return null;
    }
    V value = present.getNow(null);
    if (value != null) {
      eviction.recordRead(key, present);
    }
    return value;
  }

  private void startLoad(K key, CacheEntry<V> entry) {
    // The bookkeeping is attached before the load starts, so it runs on the thread that completes
    // the load, at once.
    CompletableFuture<V> load = new CompletableFuture<>();
    Loader.KeepCondition keep = keepCondition(key, load);
    load.whenComplete(
        (value, error) -> {
          if (error == null && value != null) {
            if (!keep.holds()) {
              // The loader can no longer vouch for this value (say, changes to it might go unseen).
              if (map.remove(key, entry)) {
                evictions.record(EvictionCause.INVALIDATED);
              }
            } else if (entry.loadedFirst() || keepOvertaken(entry)) {
              eviction.recordLoaded(key, entry);
            } else {
              map.remove(key, entry); // it may hold a value from before the write that overtook it
            }
            entry.complete(value);
            return;
          }
          // Not cached, and gone before anyone hears of it: the next call starts a fresh load.
          map.remove(key, entry);
          if (error != null) {
            entry.completeExceptionally(error);
          } else {
            entry.complete(null);
          }
        });
    if (load.isDone()) {
      return; // the keep condition failed: the bookkeeping has removed the entry already
    }
    try {
      loader.load(key, load);
    } catch (RuntimeException e) {
      load.completeExceptionally(e);
    }
  }

  /** The loader's keep condition; if asking for it throws, the load fails with that instead. */
  private Loader.KeepCondition keepCondition(K key, CompletableFuture<V> load) {
    try {
      return loader.keepCondition(key);
    } catch (RuntimeException e) {
      load.completeExceptionally(e);
      return Loader.KeepCondition.ALWAYS;
    }
  }

  /**
   * A load that an invalidation overtook is kept only if its value was read after that
   * invalidation.
   */
  private boolean keepOvertaken(CacheEntry<V> entry) {
    if (!loader.completesInOrder()) {
      return false;
    }
    entry.loadedAfterAll();
    return true;
  }

  private static boolean failedOrEmpty(CompletableFuture<?> future) {
    return future.isCompletedExceptionally() || future.getNow(null) == null;
  }

  @Override
  public boolean invalidate(K key, EvictionCause cause) {
    return counted(eviction.invalidate(key, true), cause);
  }

  @Override
  public boolean invalidateLoaded(K key, EvictionCause cause) {
    return counted(eviction.invalidate(key, false), cause);
  }

  @Override
  public long invalidateAll(EvictionCause cause) {
    long removed = eviction.invalidateAll(true);
    evictions.record(cause, removed);
    return removed;
  }

  @Override
  public long invalidateIf(Predicate<K> keys, EvictionCause cause) {
    long removed = 0;
    for (K key : map.keySet()) {
      if (keys.test(key) && eviction.invalidate(key, true)) {
        removed++;
      }
    }
    evictions.record(cause, removed);
    return removed;
  }

  @Override
  public long invalidateAllLoaded(EvictionCause cause) {
    long removed = eviction.invalidateAll(false);
    evictions.record(cause, removed);
    return removed;
  }

  private boolean counted(boolean removed, EvictionCause cause) {
    if (removed) {
      evictions.record(cause);
    }
    return removed;
  }

  @Override
  public long evictionCount(EvictionCause cause) {
    return evictions.count(cause);
  }

  @Override
  public long estimatedSize() {
    return cache.synchronous().estimatedSize();
  }
}
