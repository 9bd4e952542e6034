package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.config.CacheConfig;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Builds the local cache a {@link CacheConfig} asks for. */
public final class LocalCaches {
  private LocalCaches() {}

  /**
   * Creates a cache.
   *
   * @param config capacity, expiry and eviction policy
   * @param ticker the clock expiry is measured with; tests pass a fake one
   * @param loader starts the load of one key; its future completes with {@code null} when there is
   *     nothing to cache. It is called outside any lock of the cache, so it may complete
   *     synchronously.
   */
  public static <K, V> LocalCache<K, V> create(
      CacheConfig config, Ticker ticker, Loader<K, V> loader) {
    return create(config, ticker, loader, ValueTraits.none());
  }

  /**
   * As {@link #create(CacheConfig, Ticker, Loader)}, for values that say when they were read, when
   * they expire by their own rule and what they weigh: needed for byte bounds, stale answers and
   * refresh-ahead.
   */
  public static <K, V> LocalCache<K, V> create(
      CacheConfig config, Ticker ticker, Loader<K, V> loader, ValueTraits<K, V> traits) {
    return new CoalescingCache<>(config, ticker, loader, traits);
  }

  /** As {@link #create(CacheConfig, Ticker, Loader)}, with a loader that returns its own future. */
  public static <K, V> LocalCache<K, V> create(
      CacheConfig config, Ticker ticker, Function<K, CompletableFuture<V>> loader) {
    return create(config, ticker, Loader.of(loader));
  }
}
