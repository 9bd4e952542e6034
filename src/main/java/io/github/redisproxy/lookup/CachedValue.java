package io.github.redisproxy.lookup;

import io.github.redisproxy.cache.ValueTraits;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A value as the cache holds it: the bytes Redis answered, their entity tag, and its lifetime on
 * the cache's clock, all fixed once per load.
 *
 * @param bytes the value; must not be modified
 * @param etag a strong HTTP entity tag of the bytes, quotes included
 * @param loadedAt when Redis answered (ticker nanoseconds)
 * @param freshUntil when it stops being fresh: {@code GLOBAL_CACHE_EXPIRY} after the load, or the
 *     key's time to live in Redis if that is shorter
 * @param ttlBound whether the key's time to live in Redis set {@code freshUntil}
 */
public record CachedValue(
    byte[] bytes, String etag, long loadedAt, long freshUntil, boolean ttlBound) {

  private static final XXHash64 HASH = XXHashFactory.fastestJavaInstance().hash64();

  /** How the cache sees these values: by their bytes and lifetime. */
  public static final ValueTraits<Key, CachedValue> TRAITS =
      new ValueTraits<>() {
        @Override
        public long loadedAt(CachedValue value) {
          return value.loadedAt;
        }

        @Override
        public long expiresAt(CachedValue value) {
          return value.ttlBound ? value.freshUntil : Long.MAX_VALUE;
        }

        @Override
        public long valueBytes(CachedValue value) {
          return value.bytes.length;
        }

        @Override
        public long keyBytes(Key key) {
          return key.bytes().length;
        }
      };

  /**
   * A value asked for at {@code sentAt} and answered at {@code now}, which Redis said lives {@code
   * ttlNanos} more ({@code -1}: no expiry), in a cache whose entries live {@code expiryNanos} from
   * their load. Redis' time is counted from when the read was sent, so the value never outlives the
   * key.
   */
  static CachedValue read(byte[] bytes, long ttlNanos, long sentAt, long now, long expiryNanos) {
    long byCache = now + expiryNanos;
    boolean ttlBound = ttlNanos >= 0 && sentAt + ttlNanos < byCache;
    return new CachedValue(
        bytes, etag(bytes), now, ttlBound ? sentAt + ttlNanos : byCache, ttlBound);
  }

  /** xxHash64 of the bytes: fast (several GB/s), and one per load, never per request. */
  static String etag(byte[] bytes) {
    long hash = HASH.hash(bytes, 0, bytes.length, 0);
    StringBuilder tag = new StringBuilder(18).append('"');
    String hex = Long.toHexString(hash);
    tag.append("0".repeat(16 - hex.length())).append(hex).append('"');
    return tag.toString();
  }

  /** Whole seconds it stays fresh after {@code now}; 0 once it is not. */
  public long secondsLeft(long now) {
    long left = freshUntil - now;
    return left <= 0 ? 0 : left / 1_000_000_000L;
  }
}
