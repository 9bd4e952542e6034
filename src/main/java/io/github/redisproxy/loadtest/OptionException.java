package io.github.redisproxy.loadtest;

/**
 * An option of {@code loadtest} cannot be used; the message is one line naming the option and the
 * expected form.
 */
final class OptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  OptionException(String message) {
    super(message, null, false, false);
  }
}
