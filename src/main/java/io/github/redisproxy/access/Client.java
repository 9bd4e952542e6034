package io.github.redisproxy.access;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One line of the tokens file: a client's name, the SHA-256 of its token, and the key prefixes it
 * may read.
 *
 * @param name the name, as in {@code AUTH name token} and the logs
 * @param everyKey whether the line said {@code *}
 */
public record Client(String name, byte[] tokenHash, List<String> prefixes, boolean everyKey) {

  /** Whether this client may read {@code key}. */
  public boolean mayRead(Key key) {
    if (everyKey) {
      return true;
    }
    for (String prefix : prefixes) {
      if (key.startsWith(prefix.getBytes(StandardCharsets.UTF_8))) {
        return true;
      }
    }
    return false;
  }

  /** Never the hash: a record's generated toString would print it. */
  @Override
  public String toString() {
    return "Client[" + name + "]";
  }
}
