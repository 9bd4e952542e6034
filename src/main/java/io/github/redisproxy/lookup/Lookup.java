package io.github.redisproxy.lookup;

/**
 * A successful lookup.
 *
 * @param value the value's bytes, or {@code null} when Redis has no such key; the array must not be
 *     modified
 * @param hit whether the value came from the local cache without a load
 */
public record Lookup(byte[] value, boolean hit) {

  public boolean found() {
    return value != null;
  }
}
