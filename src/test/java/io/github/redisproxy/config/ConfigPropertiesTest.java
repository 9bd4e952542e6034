package io.github.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Any value of any setting, from the environment or a flag, either configures the proxy or is
 * refused with a one-line {@link ConfigException} naming the setting (exit code 2 in {@code Main});
 * never another exception. Generated values from a fixed seed.
 */
class ConfigPropertiesTest {
  private static final long SEED = 20261203L;
  private static final Path NO_DOT_ENV = Path.of("target", "no-such-dir", ".env");
  private static final List<String> EDGES =
      List.of(
          "0",
          "-1",
          "1e309",
          "NaN",
          "Infinity",
          "0x10",
          "9223372036854775808",
          "8m",
          "8M",
          "1g",
          "99999999999g",
          "auto",
          "1.5",
          " 2 ",
          "",
          "65536",
          "true",
          "redis://",
          "embedded:0");

  private static String value(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> EDGES.get(random.nextInt(EDGES.size()));
      case 1 -> Long.toString(random.nextLong() >> random.nextInt(64));
      default -> {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(30); i > 0; i--) {
          text.append(
              (char) (random.nextBoolean() ? 0x20 + random.nextInt(0x5f) : random.nextInt(0x3000)));
        }
        yield text.toString();
      }
    };
  }

  @Test
  void anyValueOfAnySettingConfiguresOrIsRefusedInOneLine() {
    Random random = new Random(SEED);
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
      Setting<?> setting = Settings.ALL.get(random.nextInt(Settings.ALL.size()));
      String value = value(random);
      for (boolean asFlag : new boolean[] {false, true}) {
        try {
          ConfigLoader.load(
              asFlag ? List.of(setting.flag() + "=" + value) : List.of(),
              asFlag ? Map.of() : Map.of(setting.name(), value),
              NO_DOT_ENV);
        } catch (ConfigException e) {
          assertThat(e.getMessage())
              .as(setting.name() + "=" + value)
              .doesNotContain("\n", "\r", "\u2028", "\u2029")
              .startsWith(setting.name() + ":");
          refused++;
        } catch (RuntimeException e) {
          throw new AssertionError(setting.name() + "=\"" + value + "\" threw " + e, e);
        }
      }
    }
    assertThat(refused).as("the values reach refusals").isGreaterThan(1000);
  }
}
