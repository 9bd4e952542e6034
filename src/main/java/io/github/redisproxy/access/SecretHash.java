package io.github.redisproxy.access;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, and the comparison of two hashes in time that does not depend on where they differ. */
final class SecretHash {
  private SecretHash() {}

  static byte[] sha256(byte[] secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static boolean same(byte[] hash, byte[] other) {
    return MessageDigest.isEqual(hash, other);
  }
}
