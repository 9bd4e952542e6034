package io.github.redisproxy.http;

/** A request path that does not name a key; answered with 400 and this message. */
public final class BadKeyException extends Exception {
  private static final long serialVersionUID = 1L;

  BadKeyException(String message) {
    super(message, null, false, false);
  }
}
