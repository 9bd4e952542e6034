package io.github.redisproxy.cache;

import java.util.function.Predicate;

/**
 * A cache of values that loads what it lacks, once per key however many callers ask at the same
 * time.
 *
 * <p>The contract is Caffeine's {@code AsyncCache}'s: the cache holds futures, a load that fails or
 * finds nothing (completes with {@code null}) is not kept, and an entry expires a fixed time after
 * its load completed, or earlier if its value says so ({@link ValueTraits#expiresAt}). Beyond it: a
 * failed or empty load is removed <em>before</em> its callers are told, so the next call after a
 * failure always starts a new load.
 *
 * @param <K> key type, with value-based {@code equals} and {@code hashCode}
 * @param <V> value type
 */
public interface LocalCache<K, V> {

  /**
   * Returns the cached value, or joins the load in flight for this key, or starts one.
   *
   * <p>The returned future is shared with every other caller of the same load: do not cancel or
   * complete it. Wrap it (for example with {@code Mono.fromFuture(future, true)}) to give each
   * caller a view of its own.
   */
  CacheRead<V> get(K key);

  /**
   * Returns the value if it has loaded and is fresh, and records the read (it moves the key in the
   * {@code lru} order), exactly as {@link #get} does for a hit. Never starts or joins a load:
   * {@code null} means {@link #get} would have to, or that the key is absent. It lets a caller
   * answer a hit without building a future pipeline.
   */
  V getLoaded(K key);

  /**
   * The last value of a key that left the cache without being reported changed (it expired by the
   * cache's expiry, or was dropped as {@link EvictionCause#UNTRACKED}) less than the configured
   * stale window ago; null if none, or if stale values are off. For answering while the source
   * fails, never instead of asking it.
   */
  V getStale(K key);

  /** The bytes of the cached keys and values, stale ones included. */
  long bytes();

  /** Loads answered but not cached because their value was longer than the limit. */
  long bypassed();

  /** Background reloads started by refresh-ahead. */
  long refreshes();

  /**
   * Removes the key; a load in flight for it still answers its callers but is not kept.
   *
   * @param cause counted in {@link #evictionCount(EvictionCause)} when the key was there
   * @return whether the key was cached or loading
   */
  boolean invalidate(K key, EvictionCause cause);

  /**
   * Removes every key; loads in flight still answer their callers but are not kept.
   *
   * @param cause counted in {@link #evictionCount(EvictionCause)} once per key removed
   * @return how many keys were removed
   */
  long invalidateAll(EvictionCause cause);

  /**
   * Removes every key that {@code keys} accepts, loaded or loading; loads in flight still answer
   * their callers but are not kept. For a source that can no longer vouch for a group of keys (say,
   * those of one shard of a cluster). Visits every entry: for rare events, not for each request.
   *
   * @param cause counted in {@link #evictionCount(EvictionCause)} once per key removed
   * @return how many keys were removed
   */
  long invalidateIf(Predicate<K> keys, EvictionCause cause);

  /**
   * What the source reporting a change calls: removes the key if its value has loaded. A load in
   * flight for it stays (callers keep joining it) and is overtaken: when it completes, it is kept
   * only if its loader says the value was read after this call ({@link Loader#completesInOrder});
   * otherwise it answers its callers and is removed. A value counts as loaded from the moment its
   * loader completed the result future (see {@link Loader}).
   *
   * @return whether a loaded value was removed
   */
  boolean invalidateLoaded(K key, EvictionCause cause);

  /**
   * Removes every loaded value; loads in flight stay and are overtaken, as in {@link
   * #invalidateLoaded}.
   *
   * @return how many values were removed
   */
  long invalidateAllLoaded(EvictionCause cause);

  /**
   * The number of entries, including loads in flight; approximate while loads and expiries are
   * under way.
   */
  long estimatedSize();

  /** How many entries have left the cache for this cause since it was created. */
  long evictionCount(EvictionCause cause);
}
