package io.github.redisproxy.lookup;

/**
 * A successful lookup.
 *
 * @param value the value's bytes, or {@code null} when Redis has no such key; the array must not be
 *     modified
 * @param source where the answer came from
 * @param etag a strong HTTP entity tag of the value (quotes included); null when there is no value
 * @param maxAgeSeconds how many whole seconds the answer stays fresh (0 for one not cached)
 */
public record Lookup(byte[] value, Source source, String etag, long maxAgeSeconds) {

  /** Where an answer came from; its name is what {@code X-Cache} says. */
  public enum Source {
    /** From the cache, without asking Redis. */
    HIT,
    /** From Redis, and cached (unless absent). */
    MISS,
    /** From Redis, and not cached: the value is longer than CACHE_MAX_VALUE_BYTES. */
    BYPASS,
    /** Redis could not be asked: the value the cache held last (STALE_IF_ERROR). */
    STALE
  }

  /** An answer that Redis has no such key. */
  static Lookup absent() {
    return new Lookup(null, Source.MISS, null, 0);
  }

  public boolean found() {
    return value != null;
  }

  public boolean hit() {
    return source == Source.HIT;
  }
}
