package io.github.redisproxy.access;

/** A line of the tokens file that cannot be used; the message names the line, never a secret. */
public final class TokensFileException extends Exception {
  private static final long serialVersionUID = 1L;

  TokensFileException(int line, String reason) {
    super("line " + line + ": " + reason);
  }
}
