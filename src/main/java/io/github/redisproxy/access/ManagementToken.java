package io.github.redisproxy.access;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** MANAGEMENT_TOKEN: what the management port's purges require, when it is set. */
public final class ManagementToken {
  private final byte[] hash; // null: purges are open

  private ManagementToken(byte[] hash) {
    this.hash = hash;
  }

  public static ManagementToken of(Optional<String> token) {
    return new ManagementToken(
        token.map(value -> SecretHash.sha256(value.getBytes(StandardCharsets.UTF_8))).orElse(null));
  }

  public boolean required() {
    return hash != null;
  }

  /** Whether {@code presented} is the token, compared in constant time (as hashes). */
  public boolean matches(byte[] presented) {
    return hash != null && presented != null && SecretHash.same(hash, SecretHash.sha256(presented));
  }
}
