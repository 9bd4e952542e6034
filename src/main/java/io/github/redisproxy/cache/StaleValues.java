package io.github.redisproxy.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * Values that left the cache although nothing said they changed (they expired, or the source that
 * reports changes was lost), kept for a while to answer when the source fails: HTTP's {@code
 * stale-if-error} (RFC 5861). A key reported changed, or purged, is forgotten at once. Bounded in
 * bytes as the cache is (each key also weighs {@code unit}, which bounds the number of keys), and
 * each value lives until its window ends.
 */
final class StaleValues<K, V> {
  private record Stale<V>(V value, long until, long weight) {}

  private final Cache<K, Stale<V>> values;
  private final long window;
  private final long unit;
  private final Ticker ticker;

  StaleValues(Duration window, long maxWeight, long unit, Ticker ticker) {
    this.window = window.toNanos();
    this.unit = unit;
    this.ticker = ticker;
    this.values =
        Caffeine.newBuilder()
            .ticker(ticker)
            .executor(Runnable::run)
            .maximumWeight(maxWeight)
            .weigher((K key, Stale<V> stale) -> (int) Math.min(Integer.MAX_VALUE, stale.weight()))
            .expireAfter(
                new Expiry<K, Stale<V>>() {
                  @Override
                  public long expireAfterCreate(K key, Stale<V> stale, long now) {
                    return Math.max(0, stale.until() - now);
                  }

                  @Override
                  public long expireAfterUpdate(K key, Stale<V> stale, long now, long left) {
                    return Math.max(0, stale.until() - now);
                  }

                  @Override
                  public long expireAfterRead(K key, Stale<V> stale, long now, long left) {
                    return left;
                  }
                })
            .build();
  }

  /**
   * Keeps {@code value} until {@code retiredAt} plus the window, if that is still ahead.
   *
   * @param retiredAt when it stopped being fresh (or was dropped)
   * @param bytes its key's and value's bytes
   */
  void keep(K key, V value, long retiredAt, long bytes) {
    long until = retiredAt + window;
    if (until - ticker.read() > 0) {
      values.put(key, new Stale<>(value, until, bytes + unit));
    }
  }

  /** The value kept for {@code key}, or null. */
  V get(K key) {
    Stale<V> stale = values.getIfPresent(key);
    return stale == null ? null : stale.value();
  }

  void forget(K key) {
    values.invalidate(key);
  }

  void forgetAll() {
    values.invalidateAll();
  }

  /** The kept keys' and values' bytes. */
  long bytes() {
    long weighed = values.policy().eviction().orElseThrow().weightedSize().orElse(0);
    return Math.max(0, weighed - unit * values.estimatedSize());
  }
}
