package io.github.redisproxy.config;

/**
 * A setting has a value that cannot be used; the message is one line that names the setting and the
 * expected form. A value quoted in it is shown with its control characters escaped ({@code \n},
 * {@code \u0000}…), so that a stray newline in an environment variable cannot break the line.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(oneLine(message), null, false, false);
  }

  private static String oneLine(String message) {
    StringBuilder line = new StringBuilder(message.length());
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      switch (c) {
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
    return line.toString();
  }
}
