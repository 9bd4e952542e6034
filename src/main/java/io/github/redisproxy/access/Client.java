package io.github.redisproxy.access;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One line of the tokens file: a client's name, the SHA-256 of its token, and the key prefixes it
 * may read. Immutable; the prefixes are kept as bytes too, so that a check allocates nothing on the
 * event loop.
 */
public final class Client {
  private final String name;
  private final byte[] tokenHash;
  private final List<String> prefixes;
  private final byte[][] prefixBytes;
  private final boolean everyKey;

  Client(String name, byte[] tokenHash, List<String> prefixes, boolean everyKey) {
    this.name = name;
    this.tokenHash = tokenHash.clone();
    this.prefixes = List.copyOf(prefixes);
    this.prefixBytes =
        this.prefixes.stream()
            .map(prefix -> prefix.getBytes(StandardCharsets.UTF_8))
            .toArray(byte[][]::new);
    this.everyKey = everyKey;
  }

  /** The name, as in {@code AUTH name token} and the logs. */
  public String name() {
    return name;
  }

  /** The key prefixes of the line, {@code *} left out. */
  public List<String> prefixes() {
    return prefixes;
  }

  /** Whether the line said {@code *}. */
  public boolean everyKey() {
    return everyKey;
  }

  /** Whether this client may read {@code key}: {@code *}, or a prefix of its bytes. */
  public boolean mayRead(Key key) {
    if (everyKey) {
      return true;
    }
    for (byte[] prefix : prefixBytes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Only for comparisons in this package; never logged. */
  byte[] tokenHash() {
    return tokenHash;
  }

  /** Never the hash. */
  @Override
  public String toString() {
    return "Client[" + name + "]";
  }
}
