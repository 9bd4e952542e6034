package io.github.redisproxy.tls;

/** One of the TLS files cannot be used; the message names its setting and why, never its bytes. */
final class TlsFileException extends Exception {
  private static final long serialVersionUID = 1L;

  TlsFileException(String setting, String reason) {
    super(setting + ": " + reason);
  }
}
