package io.github.redisproxy.tls;

import io.github.redisproxy.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

/**
 * The bytes of the TLS files at one moment. Contexts are built from these bytes rather than from
 * the paths, so that what was checked is what is served, and a reload compares contents (a
 * modification time can stay the same across a quick rewrite).
 */
record PemFiles(byte[] certificate, byte[] key, byte[] clientCa) {

  static PemFiles read(TlsConfig config) throws IOException {
    return new PemFiles(
        Files.readAllBytes(config.certificateFile().orElseThrow()),
        Files.readAllBytes(config.keyFile().orElseThrow()),
        config.clientCaFile().isPresent()
            ? Files.readAllBytes(config.clientCaFile().orElseThrow())
            : null);
  }

  boolean sameAs(PemFiles other) {
    return Arrays.equals(certificate, other.certificate)
        && Arrays.equals(key, other.key)
        && Arrays.equals(clientCa, other.clientCa);
  }

  /** Never the key's bytes: a record's generated toString would print them. */
  @Override
  public String toString() {
    return "PemFiles[" + certificate.length + " certificate bytes]";
  }
}
