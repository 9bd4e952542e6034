package io.github.redisproxy.config;

/**
 * A setting's parser refuses a value and says why, in a few words written for the user: the reason
 * ends the one-line configuration error. A plain {@link IllegalArgumentException} (from {@code
 * Integer.parseInt} or an enum's {@code valueOf}) speaks to programmers, so its message is left
 * out.
 */
final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidValueException(String reason) {
    super(reason);
  }
}
