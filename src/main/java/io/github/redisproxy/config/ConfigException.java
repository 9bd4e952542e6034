package io.github.redisproxy.config;

/**
 * A setting has a value that cannot be used; the message is one line that names the setting and the
 * expected form.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
