package io.github.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any value of any setting, from the environment or a flag, either configures the proxy or is
 * refused with a one-line {@link ConfigException} naming the setting (exit code 2 in {@code Main});
 * never another exception.
 */
class ConfigProperties {
  private static final Path NO_DOT_ENV = Path.of("target", "no-such-dir", ".env");

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(30),
        Arbitraries.strings().numeric().ofMaxLength(25),
        Arbitraries.of(
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
            "embedded:0"));
  }

  @Provide
  Arbitrary<Setting<?>> settings() {
    return Arbitraries.of(Settings.ALL);
  }

  @Property(seed = "20261203", tries = 3000)
  void anyValueOfAnySettingConfiguresOrIsRefusedInOneLine(
      @ForAll("settings") Setting<?> setting, @ForAll("values") String value) {
    for (boolean asFlag : new boolean[] {false, true}) {
      try {
        ConfigLoader.load(
            asFlag ? List.of(setting.flag() + "=" + value) : List.of(),
            asFlag ? Map.of() : Map.of(setting.name(), value),
            NO_DOT_ENV);
      } catch (ConfigException e) {
        assertThat(e.getMessage()).doesNotContain("\n").isNotBlank();
      }
    }
  }
}
