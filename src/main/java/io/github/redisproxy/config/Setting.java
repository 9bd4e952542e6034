package io.github.redisproxy.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One setting: its environment name, default, one-line meaning and parser. The flag name is derived
 * from the environment name ({@code CACHE_CAPACITY} is {@code --cache-capacity}), so the two cannot
 * drift apart.
 *
 * @param <T> the parsed type
 */
public final class Setting<T> {
  private final String name;
  private final String defaultValue;
  private final String meaning;
  private final String expected;
  private final Function<String, T> parser;
  private final boolean secret;

  Setting(
      String name,
      String defaultValue,
      String meaning,
      String expected,
      Function<String, T> parser) {
    this(name, defaultValue, meaning, expected, parser, false);
  }

  /** A setting whose value is a secret: no error message or log line repeats it. */
  Setting(
      String name,
      String defaultValue,
      String meaning,
      String expected,
      Function<String, T> parser,
      boolean secret) {
    this.secret = secret;
    this.name = name;
    this.defaultValue = defaultValue;
    this.meaning = meaning;
    this.expected = expected;
    this.parser = parser;
  }

  /** The environment variable name, e.g. {@code CACHE_CAPACITY}. */
  public String name() {
    return name;
  }

  /** The command-line flag, e.g. {@code --cache-capacity}. */
  public String flag() {
    return "--" + name.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String meaning() {
    return meaning;
  }

  /** The accepted form, as shown in error messages and {@code --help}. */
  public String expected() {
    return expected;
  }

  /**
   * Parses a raw value, or throws a {@link ConfigException} that names this setting and the
   * expected form, and the parser's reason when it gave one ({@link InvalidValueException}).
   */
  T parse(String raw) {
    String shown = secret ? "a value of " + raw.length() + " characters" : "\"" + raw + "\"";
    try {
      return parser.apply(raw.trim());
    } catch (InvalidValueException e) {
      throw new ConfigException(
          name + ": expected " + expected + ", got " + shown + " (" + e.getMessage() + ")");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ": expected " + expected + ", got " + shown);
    }
  }
}
