package io.github.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every place that describes the settings agrees with {@link Settings}, their one declaration:
 * {@code --help} is printed from it, and these tests fail, naming each difference, when the
 * README's configuration table or {@code .env.example} say something else, or when {@code
 * docker-compose.yml} falls back to another value than {@code .env.example} sets (so that copying
 * it to {@code .env} changes nothing). Fix the document, or the declaration, until they agree.
 */
class ConfigDocsTest {
  private static final Path README = Path.of("README.md");
  private static final Path ENV_EXAMPLE = Path.of(".env.example");
  private static final Path COMPOSE = Path.of("docker-compose.yml");

  private static final Pattern ENV_ENTRY = Pattern.compile("([A-Z][A-Z0-9_]*)=(.*)");
  private static final Pattern COMPOSE_DEFAULT =
      Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):-([^}]*)}");
  private static final Pattern COMPOSE_KEY = Pattern.compile("^\\s+([A-Z][A-Z0-9_]*):.*$");

  @Test
  void readmeConfigurationTableHasOneRowPerSettingWithItsMeaningAcceptedFormAndDefault() {
    List<String> expected = Settings.ALL.stream().map(ConfigDocsTest::readmeRow).toList();
    List<String> actual = tableRows(lines(README), "## Configuration");

    assertThat(differences(expected, actual))
        .as(
            "README.md's configuration table against Settings.java"
                + " (- a row Settings gives that the README lacks, + a README row Settings does not"
                + " give)")
        .isEmpty();
    assertThat(actual).as("README.md's rows in the order of Settings.ALL").isEqualTo(expected);
  }

  @Test
  void envExampleListsEverySettingWithItsMeaningAcceptedFormAndDefault() {
    Map<String, EnvEntry> entries = envEntries(lines(ENV_EXAMPLE));
    List<String> problems = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      EnvEntry entry = entries.get(setting.name());
      if (entry == null) {
        problems.add(
            setting.name() + ": missing; add it with its comment, e.g.\n" + sketch(setting));
        continue;
      }
      String comment = String.join(" ", entry.comments());
      if (!comment.startsWith(setting.meaning())) {
        problems.add(
            setting.name()
                + ": the comment above it should start with its meaning \""
                + setting.meaning()
                + "\" (lines may wrap at a space), found \""
                + comment
                + "\"");
      }
      if (!entry.comments().contains("Accepted: " + setting.expected())) {
        problems.add(
            setting.name() + ": needs the comment line \"# Accepted: " + setting.expected() + "\"");
      }
      List<String> defaultLines =
          entry.comments().stream().filter(line -> line.startsWith("Default:")).toList();
      if (!entry.value().equals(setting.defaultValue())
          && !defaultLines.equals(List.of("Default: " + setting.defaultValue()))) {
        problems.add(
            setting.name()
                + "="
                + entry.value()
                + ": the default is "
                + setting.defaultValue()
                + "; set it, or say \"# Default: "
                + setting.defaultValue()
                + "\" on a line of its own");
      }
      if (entry.value().equals(setting.defaultValue()) && !defaultLines.isEmpty()) {
        problems.add(setting.name() + ": holds its default, so needs no \"Default:\" line");
      }
    }
    Set<String> extra = new LinkedHashSet<>(entries.keySet());
    Settings.ALL.forEach(setting -> extra.remove(setting.name()));
    extra.forEach(name -> problems.add(name + ": not a setting (Settings.ALL has no such name)"));

    assertThat(problems).as(".env.example against Settings.java").isEmpty();
    assertThat(List.copyOf(entries.keySet()))
        .as(".env.example in the order of Settings.ALL")
        .isEqualTo(Settings.ALL.stream().map(Setting::name).toList());
  }

  @Test
  void dockerComposePassesEverySettingWithTheValueEnvExampleGives() {
    Map<String, EnvEntry> envExample = envEntries(lines(ENV_EXAMPLE));
    List<String> problems = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (String line : lines(COMPOSE)) {
      Matcher key = COMPOSE_KEY.matcher(line);
      if (key.matches()) {
        keys.add(key.group(1));
      }
      Matcher fallback = COMPOSE_DEFAULT.matcher(line);
      while (fallback.find()) {
        String name = fallback.group(1);
        EnvEntry entry = envExample.get(name);
        if (entry == null) {
          problems.add("${" + name + ":-...}: not a setting of .env.example");
        } else if (!fallback.group(2).equals(entry.value())) {
          problems.add(
              "${"
                  + name
                  + ":-"
                  + fallback.group(2)
                  + "}, but .env.example sets "
                  + name
                  + "="
                  + entry.value());
        }
      }
    }
    for (Setting<?> setting : Settings.ALL) {
      if (!keys.contains(setting.name())) {
        problems.add(setting.name() + ": not passed to the proxy service's environment");
      }
    }
    assertThat(problems).as("docker-compose.yml against .env.example").isEmpty();
  }

  @Test
  void helpListsEverySettingWithItsFlagDefaultMeaningAndAcceptedForm() {
    String help = Settings.help();
    for (Setting<?> setting : Settings.ALL) {
      assertThat(help)
          .as("--help for " + setting.name())
          .contains(setting.name(), setting.flag(), "default " + setting.defaultValue())
          .contains(setting.meaning(), "accepts " + setting.expected());
    }
  }

  /** The README row of a setting: name, meaning, accepted form, default. */
  private static String readmeRow(Setting<?> setting) {
    return "| `"
        + setting.name()
        + "` | "
        + cell(setting.meaning())
        + " | "
        + cell(setting.expected())
        + " | "
        + (setting.defaultValue().isEmpty() ? "(none)" : "`" + setting.defaultValue() + "`")
        + " |";
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  /** The body rows of the first table after {@code heading}. */
  private static List<String> tableRows(List<String> lines, String heading) {
    int at = lines.indexOf(heading);
    assertThat(at).as("README.md has a line \"" + heading + "\"").isNotNegative();
    int start = at + 1;
    while (start < lines.size() && !lines.get(start).startsWith("|")) {
      assertThat(lines.get(start)).as("no other section before the table").doesNotStartWith("#");
      start++;
    }
    List<String> rows = new ArrayList<>();
    for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      rows.add(lines.get(i).strip());
    }
    return rows;
  }

  /** Lines only one side has: "- " for expected, "+ " for actual. */
  private static List<String> differences(List<String> expected, List<String> actual) {
    List<String> differences = new ArrayList<>();
    expected.stream()
        .filter(row -> !actual.contains(row))
        .forEach(row -> differences.add("- " + row));
    actual.stream()
        .filter(row -> !expected.contains(row))
        .forEach(row -> differences.add("+ " + row));
    return differences;
  }

  private record EnvEntry(String value, List<String> comments) {}

  /**
   * Each {@code NAME=value} line with the comment lines right above it (a blank line ends a
   * comment).
   */
  private static Map<String, EnvEntry> envEntries(List<String> lines) {
    Map<String, EnvEntry> entries = new LinkedHashMap<>();
    List<String> comments = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        comments = new ArrayList<>();
      } else if (line.startsWith("#")) {
        comments.add(line.substring(1).strip());
      } else {
        Matcher entry = ENV_ENTRY.matcher(line.strip());
        assertThat(entry.matches()).as(".env.example line \"" + line + "\"").isTrue();
        assertThat(entries)
            .as(".env.example sets " + entry.group(1) + " once")
            .doesNotContainKey(entry.group(1));
        entries.put(entry.group(1), new EnvEntry(entry.group(2), List.copyOf(comments)));
        comments = new ArrayList<>();
      }
    }
    return entries;
  }

  private static String sketch(Setting<?> setting) {
    return "# "
        + setting.meaning()
        + "\n# Accepted: "
        + setting.expected()
        + "\n"
        + setting.name()
        + "="
        + setting.defaultValue();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
