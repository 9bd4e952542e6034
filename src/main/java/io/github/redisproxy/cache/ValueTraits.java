package io.github.redisproxy.cache;

/**
 * What the cache needs to know of a value beyond its identity: when it was read, how long it may
 * live, and what it weighs. Times are on the cache's ticker, in nanoseconds.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface ValueTraits<K, V> {

  /** When the value was read; {@link Long#MIN_VALUE} if unknown (then: when its load completed). */
  long loadedAt(V value);

  /**
   * When the value stops being fresh by its own rule (say, the key's time to live in Redis); {@link
   * Long#MAX_VALUE} if only the cache's expiry applies. The cache's expiry can only shorten it.
   */
  long expiresAt(V value);

  /** The value's size in bytes. */
  long valueBytes(V value);

  /** The key's size in bytes. */
  long keyBytes(K key);

  /** Values that weigh nothing and live by the cache's expiry alone. */
  static <K, V> ValueTraits<K, V> none() {
    return new ValueTraits<>() {
      @Override
      public long loadedAt(V value) {
        return Long.MIN_VALUE;
      }

      @Override
      public long expiresAt(V value) {
        return Long.MAX_VALUE;
      }

      @Override
      public long valueBytes(V value) {
        return 0;
      }

      @Override
      public long keyBytes(K key) {
        return 0;
      }
    };
  }
}
