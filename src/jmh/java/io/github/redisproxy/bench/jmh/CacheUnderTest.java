package io.github.redisproxy.bench.jmh;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * One of the caches the benchmarks compare, chosen by the {@code policy} parameter, with an
 * immediate loader that completes every load at once with the same value:
 *
 * <ul>
 *   <li>{@code lru}, {@code tinylfu}: the proxy's own {@link LocalCache}, built by {@link
 *       LocalCaches} as the proxy builds it (an expiry of an hour, which no benchmark reaches);
 *   <li>{@code caffeine-raw}: a bare Caffeine {@link AsyncCache} with {@code maximumSize} and the
 *       same same-thread executor as the proxy's cache, read with {@code get(key, mappingFunction)}
 *       (or {@code getIfPresent} for a loaded value): the baseline, so that the ratio to it is what
 *       the proxy's cache adds (coalescing bookkeeping, the exact-LRU order, expiry).
 * </ul>
 *
 * <p>In one JMH fork only one implementation is loaded, so the call through this interface is
 * monomorphic.
 */
abstract class CacheUnderTest {
  /** Every value: what the proxy caches is bytes. */
  static final byte[] VALUE = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  /**
   * Reads {@code key}, loading it when absent; returns what a caller would then hold, for the
   * benchmark to sink.
   */
  abstract Object get(Key key);

  /**
   * The value of {@code key} if it is loaded, else {@code null}; never loads. For the proxy's
   * caches this is {@link LocalCache#getLoaded}, the proxy's hit path; for Caffeine, {@code
   * getIfPresent(key)} and the future's value.
   */
  abstract byte[] getLoaded(Key key);

  /** Whether {@code key} is cached: a read that is a hit (and counts as a read). */
  abstract boolean hit(Key key);

  abstract long size();

  /**
   * The key the proxy would use for the path {@code /bench:key:<number>}; a new instance on every
   * call.
   */
  static Key key(String prefix, int number) {
    return Key.of(prefix + number);
  }

  static CacheUnderTest create(String policy, int capacity) {
    return switch (policy) {
      case "lru" -> new Proxy(CachePolicy.LRU, capacity);
      case "tinylfu" -> new Proxy(CachePolicy.TINYLFU, capacity);
      case "caffeine-raw" -> new Raw(capacity);
      default ->
          throw new IllegalArgumentException(
              "policy must be lru, tinylfu or caffeine-raw: " + policy);
    };
  }

  private static final class Proxy extends CacheUnderTest {
    private final LocalCache<Key, byte[]> cache;

    Proxy(CachePolicy policy, int capacity) {
      cache =
          LocalCaches.create(
              new CacheConfig(capacity, Duration.ofHours(1), policy),
              Ticker.systemTicker(),
              (Key key, CompletableFuture<byte[]> result) -> result.complete(VALUE));
    }

    @Override
    Object get(Key key) {
      return cache.get(key);
    }

    @Override
    byte[] getLoaded(Key key) {
      return cache.getLoaded(key);
    }

    @Override
    boolean hit(Key key) {
      return cache.get(key).hit();
    }

    @Override
    long size() {
      return cache.estimatedSize();
    }
  }

  private static final class Raw extends CacheUnderTest {
    private final AsyncCache<Key, byte[]> cache;
    // One instance, so that a read allocates no lambda.
    private final BiFunction<Key, Executor, CompletableFuture<byte[]>> load =
        (key, executor) -> CompletableFuture.completedFuture(VALUE);

    Raw(int capacity) {
      cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).buildAsync();
    }

    @Override
    Object get(Key key) {
      return cache.get(key, load);
    }

    @Override
    byte[] getLoaded(Key key) {
      CompletableFuture<byte[]> present = cache.getIfPresent(key);
      return present == null ? null : present.getNow(null);
    }

    @Override
    boolean hit(Key key) {
      return cache.getIfPresent(key) != null;
    }

    @Override
    long size() {
      return cache.synchronous().estimatedSize();
    }
  }
}
