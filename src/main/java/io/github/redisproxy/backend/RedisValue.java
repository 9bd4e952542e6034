package io.github.redisproxy.backend;

/**
 * A string value read from Redis, with the time it had left to live when it was read.
 *
 * @param bytes the value's bytes; must not be modified
 * @param ttlMillis the key's remaining time to live in milliseconds ({@code PTTL}), or {@link
 *     #NO_TTL} when it has none (or the read could not learn it)
 */
public record RedisValue(byte[] bytes, long ttlMillis) {
  /** The key has no expiry. */
  public static final long NO_TTL = -1;

  /** A value whose remaining time to live is unknown or unlimited. */
  public static RedisValue withoutTtl(byte[] bytes) {
    return new RedisValue(bytes, NO_TTL);
  }

  public boolean hasTtl() {
    return ttlMillis >= 0;
  }
}
