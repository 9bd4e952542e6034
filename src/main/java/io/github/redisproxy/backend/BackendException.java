package io.github.redisproxy.backend;

/**
 * A backend call failed, translated from the client library into the few cases the proxy answers
 * differently.
 */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a backend call failed. */
  public enum Kind {
    /** Not connected, connection refused or lost, or Redis is loading or refusing commands. */
    UNAVAILABLE,
    /** No answer within the configured timeout. */
    TIMEOUT,
    /**
     * The key exists but holds a list, hash or other non-string type; the message is Redis' error
     * text.
     */
    WRONG_TYPE,
    /** Redis answered with any other error; the message is Redis' error text. */
    ERROR
  }

  private final Kind kind;

  public BackendException(Kind kind, String message, Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
