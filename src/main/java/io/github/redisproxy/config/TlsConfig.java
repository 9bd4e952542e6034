package io.github.redisproxy.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS for every port the proxy opens (HTTP, RESP, management): off unless a certificate and its key
 * are given.
 *
 * @param certificateFile PEM certificate, optionally followed by its chain; empty when TLS is off
 * @param keyFile PEM private key (PKCS#8 or PKCS#1) of the certificate; empty when TLS is off
 * @param clientCaFile PEM certificates of the authorities whose client certificates are accepted;
 *     when present every client must show one (mutual TLS)
 */
public record TlsConfig(
    Optional<Path> certificateFile, Optional<Path> keyFile, Optional<Path> clientCaFile) {

  /** No TLS: every port speaks clear text. */
  public static final TlsConfig OFF =
      new TlsConfig(Optional.empty(), Optional.empty(), Optional.empty());

  public boolean enabled() {
    return certificateFile.isPresent();
  }

  /** Whether clients must show a certificate signed by {@link #clientCaFile}. */
  public boolean mutual() {
    return clientCaFile.isPresent();
  }
}
