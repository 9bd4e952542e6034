package io.github.redisproxy.lookup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A Redis key: immutable bytes with value equality, so that it can key the local cache. */
public final class Key {
  private final byte[] bytes;
  private final int hash;

  private Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** A key of these bytes; the array is copied. */
  public static Key of(byte[] bytes) {
    return new Key(bytes.clone());
  }

  /** A key of the UTF-8 encoding of {@code text}. */
  public static Key of(String text) {
    return new Key(text.getBytes(StandardCharsets.UTF_8));
  }

  byte[] bytes() {
    return bytes;
  }

  /** Whether the key's bytes begin with {@code prefix}. */
  public boolean startsWith(byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Key key && hash == key.hash && Arrays.equals(bytes, key.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The key for log lines: UTF-8 text, with control and non-ASCII bytes escaped. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      if (b >= 0x20 && b < 0x7f && b != '\\') {
        text.append((char) b);
      } else {
        text.append(String.format("\\x%02x", b & 0xff));
      }
    }
    return text.toString();
  }
}
