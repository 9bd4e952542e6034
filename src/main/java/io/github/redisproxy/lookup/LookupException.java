package io.github.redisproxy.lookup;

/**
 * A lookup that produced no answer; front ends map its {@link Reason} to their wire format in one
 * place.
 */
public final class LookupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a lookup failed. */
  public enum Reason {
    /** Too many lookups running and waiting: try again later. */
    OVERLOADED,
    /** Redis is not reachable or not answering. */
    BACKEND_UNAVAILABLE,
    /** Redis did not answer in time. */
    BACKEND_TIMEOUT,
    /** The key holds a type other than a string; the message is Redis' error text. */
    WRONG_TYPE,
    /** Redis answered with another error; the message is Redis' error text. */
    BACKEND_ERROR
  }

  private final Reason reason;

  LookupException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
