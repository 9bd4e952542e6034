package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
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
  private final ValueTraits<K, V> traits;
  private final Ticker ticker;
  private final long expiryNanos;
  private final long maxValueBytes;
  private final double refreshAhead;
  private final EvictionPolicy<K, V> eviction;
  private final StaleValues<K, V> stale; // null: STALE_IF_ERROR is off
  private final EvictionCounters evictions = new EvictionCounters();
  private final LongAdder bypassed = new LongAdder();
  private final LongAdder refreshes = new LongAdder();

  CoalescingCache(
      CacheConfig config, Ticker ticker, Loader<K, V> loader, ValueTraits<K, V> traits) {
    this.loader = loader;
    this.traits = traits;
    this.ticker = ticker;
    this.expiryNanos = config.expiry().toNanos();
    this.maxValueBytes = config.maxValueBytes();
    this.refreshAhead = config.refreshAhead();
    long maxBytes = config.maxBytes();
    boolean bytesBounded = maxBytes != Long.MAX_VALUE;
    boolean keepStale = !config.staleIfError().isZero();
    // Stale values take a quarter of the byte bound, so that fresh and stale together stay in it.
    long freshBytes = keepStale && bytesBounded ? maxBytes - maxBytes / 4 : maxBytes;
    // Under tinylfu, Caffeine bounds one weight: each entry weighs its bytes plus this unit, so
    // that CACHE_CAPACITY entries of no bytes at all fill the cache too.
    long unit = bytesBounded ? Math.max(1, freshBytes / config.capacity()) : 0;
    this.stale =
        keepStale
            ? new StaleValues<>(
                config.staleIfError(),
                bytesBounded ? maxBytes / 4 : Long.MAX_VALUE,
                bytesBounded ? Math.max(1, (maxBytes / 4) / config.capacity()) : 0,
                ticker)
            : null;
    Caffeine<K, V> builder =
        Caffeine.newBuilder()
            .ticker(ticker)
            .executor(Runnable::run)
            .expireAfter(new ValueExpiry())
            // Caffeine's own evictions: expiries under either policy, and size under tinylfu. The
            // exact LRU policy removes its victims explicitly, so it counts those itself.
            .removalListener(
                (K key, V value, RemovalCause cause) -> {
                  if (cause == RemovalCause.EXPIRED) {
                    evictions.record(EvictionCause.EXPIRED);
                    if (key != null && value != null) {
                      keepStale(key, value, freshUntil(value, ticker.read()));
                    }
                  } else if (cause == RemovalCause.SIZE) {
                    evictions.record(EvictionCause.SIZE);
                  }
                });
    if (config.policy() == CachePolicy.TINYLFU) {
      if (bytesBounded) {
        builder
            .maximumWeight(freshBytes)
            .weigher(
                (K key, V value) -> (int) Math.min(Integer.MAX_VALUE, weight(key, value) + unit));
      } else {
        builder.maximumSize(config.capacity());
      }
    }
    this.cache = builder.buildAsync();
    this.map = cache.asMap();
    this.eviction =
        config.policy() == CachePolicy.LRU
            ? new ExactLruPolicy<>(
                map,
                config.capacity(),
                expiryNanos,
                freshBytes,
                ticker,
                evictions,
                (key, entry) -> {
                  // Dropped lazily, perhaps long after it expired: the window counts from then.
                  V value = entry.getNow(null);
                  if (value != null) {
                    keepStale(key, value, freshUntil(value, ticker.read()));
                  }
                })
            : new TinyLfuPolicy<>(
                map,
                () -> {
                  long weighed =
                      cache
                          .synchronous()
                          .policy()
                          .eviction()
                          .orElseThrow()
                          .weightedSize()
                          .orElse(0);
                  return Math.max(0, weighed - unit * cache.synchronous().estimatedSize());
                });
  }

  /**
   * An entry lives until the earlier of its value's own expiry and the cache's expiry from its
   * load.
   */
  private final class ValueExpiry implements Expiry<K, V> {
    @Override
    public long expireAfterCreate(K key, V value, long now) {
      return Math.max(0, freshUntil(value, now) - now);
    }

    @Override
    public long expireAfterUpdate(K key, V value, long now, long left) {
      return Math.max(0, freshUntil(value, now) - now);
    }

    @Override
    public long expireAfterRead(K key, V value, long now, long left) {
      return left;
    }
  }

  /** When {@code value} stops being fresh; {@code now} stands for its load time if unknown. */
  private long freshUntil(V value, long now) {
    long loadedAt = traits.loadedAt(value);
    long byCache = (loadedAt == Long.MIN_VALUE ? now : loadedAt) + expiryNanos;
    return Math.min(byCache, traits.expiresAt(value));
  }

  /**
   * Whether a value may answer after it stopped being fresh: only if the cache's expiry ended it. A
   * value whose own expiry came first (the key's time to live in Redis) is gone in Redis too.
   */
  private boolean mayGoStale(V value) {
    long loadedAt = traits.loadedAt(value);
    return loadedAt != Long.MIN_VALUE && traits.expiresAt(value) - loadedAt >= expiryNanos;
  }

  private void keepStale(K key, V value, long retiredAt) {
    if (stale != null && value != null && mayGoStale(value)) {
      stale.keep(key, value, retiredAt, weight(key, value));
    }
  }

  private long weight(K key, V value) {
    return traits.keyBytes(key) + traits.valueBytes(value);
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
        refreshIfDue(key, present);
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
      refreshIfDue(key, present);
    }
    return value;
  }

  @Override
  public V getStale(K key) {
    return stale == null ? null : stale.get(key);
  }

  /**
   * Refresh-ahead: a hit on an entry past {@code refreshAhead} of its lifetime starts one reload in
   * the background (one per entry, whoever wins the flag); the hit itself is answered from the
   * entry. The new value replaces the entry only if the entry is still the one in the map: an
   * invalidation or a purge that removed it meanwhile wins, and a refresh never adds a key. A key
   * gone from Redis is removed; a failed refresh leaves the entry to expire as it would have.
   */
  private void refreshIfDue(K key, CompletableFuture<V> present) {
    if (refreshAhead == 0) {
      return;
    }
    V value = present.getNow(null);
    long loadedAt = traits.loadedAt(value);
    if (loadedAt == Long.MIN_VALUE) {
      return;
    }
    long age = ticker.read() - loadedAt;
    if (age < (long) ((freshUntil(value, loadedAt) - loadedAt) * refreshAhead)) {
      return;
    }
    CacheEntry<V> current = (CacheEntry<V>) present;
    if (!current.startRefresh()) {
      return;
    }
    refreshes.increment();
    CacheEntry<V> next = eviction.newEntry(key);
    CompletableFuture<V> load = new CompletableFuture<>();
    Loader.KeepCondition keep = keepCondition(key, load);
    load.whenComplete(
        (fresh, error) -> {
          if (error != null) {
            return;
          }
          if (fresh == null) {
            if (map.remove(key, current)) {
              eviction.removed(current);
              evictions.record(EvictionCause.INVALIDATED);
            }
            return;
          }
          if (!keep.holds()
              || traits.valueBytes(fresh) > maxValueBytes
              || freshUntil(fresh, ticker.read()) - ticker.read() <= 0
              || !next.loadedFirst()) {
            return;
          }
          // Complete first: a reader that finds it in the map never waits.
          next.complete(fresh);
          if (map.replace(key, current, next)) {
            eviction.removed(current);
            eviction.recordLoaded(key, next, traits.expiresAt(fresh), weight(key, fresh));
            forgetStale(key);
          }
        });
    if (load.isDone()) {
      return;
    }
    try {
      loader.load(key, load);
    } catch (RuntimeException e) {
      load.completeExceptionally(e);
    }
  }

  private void forgetStale(K key) {
    if (stale != null) {
      stale.forget(key);
    }
  }

  private void startLoad(K key, CacheEntry<V> entry) {
    // The bookkeeping is attached before the load starts, so it runs on the thread that completes
    // the load, at once.
    CompletableFuture<V> load = new CompletableFuture<>();
    Loader.KeepCondition keep = keepCondition(key, load);
    load.whenComplete(
        (value, error) -> {
          if (error == null && value != null) {
            if (traits.valueBytes(value) > maxValueBytes) {
              // Answered, never cached: a few such values would otherwise crowd out the rest.
              map.remove(key, entry);
              bypassed.increment();
              entry.complete(value);
              return;
            }
            if (!keep.holds()) {
              // The loader can no longer vouch for this value (say, changes to it might go unseen).
              if (map.remove(key, entry)) {
                evictions.record(EvictionCause.INVALIDATED);
              }
            } else if (freshUntil(value, ticker.read()) - ticker.read() <= 0) {
              map.remove(key, entry); // it expired in Redis as it was read
            } else if (entry.loadedFirst() || keepOvertaken(entry)) {
              eviction.recordLoaded(key, entry, traits.expiresAt(value), weight(key, value));
              forgetStale(key);
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
    retireOrForget(key, cause);
    return counted(eviction.invalidate(key, true), cause);
  }

  @Override
  public boolean invalidateLoaded(K key, EvictionCause cause) {
    retireOrForget(key, cause);
    return counted(eviction.invalidate(key, false), cause);
  }

  @Override
  public long invalidateAll(EvictionCause cause) {
    retireOrForgetAll(null, cause);
    long removed = eviction.invalidateAll(true);
    evictions.record(cause, removed);
    return removed;
  }

  @Override
  public long invalidateIf(Predicate<K> keys, EvictionCause cause) {
    retireOrForgetAll(keys, cause);
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
    retireOrForgetAll(null, cause);
    long removed = eviction.invalidateAll(false);
    evictions.record(cause, removed);
    return removed;
  }

  /**
   * Before keys leave: an {@link EvictionCause#UNTRACKED} value may still answer stale (nothing
   * said it changed); a key reported changed, or purged, must never answer stale.
   */
  private void retireOrForget(K key, EvictionCause cause) {
    if (stale == null) {
      return;
    }
    if (cause == EvictionCause.UNTRACKED) {
      CompletableFuture<V> present = map.get(key);
      if (present != null && present.isDone() && !failedOrEmpty(present)) {
        keepStale(key, present.getNow(null), ticker.read());
      }
    } else {
      stale.forget(key);
    }
  }

  /** As {@link #retireOrForget} for each key {@code keys} accepts; null: every key. */
  private void retireOrForgetAll(Predicate<K> keys, EvictionCause cause) {
    if (stale == null) {
      return;
    }
    if (cause != EvictionCause.UNTRACKED && keys == null) {
      stale.forgetAll();
      return;
    }
    for (K key : map.keySet()) {
      if (keys == null || keys.test(key)) {
        retireOrForget(key, cause);
      }
    }
  }

  @Override
  public long bytes() {
    return eviction.bytes() + (stale == null ? 0 : stale.bytes());
  }

  @Override
  public long bypassed() {
    return bypassed.sum();
  }

  @Override
  public long refreshes() {
    return refreshes.sum();
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
