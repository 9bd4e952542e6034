package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, as a scraper would read a {@code
 * /metrics} page.
 *
 * <p>Every line must be blank, a {@code # HELP name text} or {@code # TYPE name type} comment, or a
 * sample {@code name{label="value",...} number [timestamp]}; anything else fails with the offending
 * line. So do a family typed twice, a sample whose family has no {@code # TYPE} line, a label named
 * twice in one sample, and the same series (name and label set) twice. Numbers are Prometheus'
 * floats: decimals, exponents, {@code +Inf}, {@code -Inf} and {@code NaN}.
 */
public final class PrometheusText {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";

  /**
   * A quoted label value: any character but a quote, a backslash or a newline, or one of the
   * escapes \\ \" \n.
   */
  private static final String LABEL_VALUE = "\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";

  private static final String LABEL = LABEL_NAME + "=" + LABEL_VALUE;
  private static final String NUMBER =
      "[-+]?(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|Inf|NaN)";

  private static final Pattern SAMPLE =
      Pattern.compile(
          "^("
              + NAME
              + ")(?:\\{((?:"
              + LABEL
              + ")(?:,"
              + LABEL
              + ")*,?)?\\})? ("
              + NUMBER
              + ")(?: -?\\d+)?$");
  private static final Pattern ONE_LABEL =
      Pattern.compile("(" + LABEL_NAME + ")=(" + LABEL_VALUE + "),?");
  private static final Pattern HELP = Pattern.compile("^# HELP (" + NAME + ")(?: .*)?$");
  private static final Pattern TYPE =
      Pattern.compile("^# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)$");

  /** One sample: a series (name and labels) and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  /** Reads a whole exposition; fails on the first line that is not in the format. */
  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    Set<String> series = new TreeSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String where = "line " + (i + 1) + " of the exposition: \"" + line + "\"";
      if (line.isEmpty()) {
        continue;
      }
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        if (types.put(type.group(1), type.group(2)) != null) {
          fail("a second # TYPE for " + type.group(1) + " at " + where);
        }
        continue;
      }
      if (HELP.matcher(line).matches()) {
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        fail("not Prometheus text format 0.0.4 at " + where);
      }
      String name = sample.group(1);
      if (family(name, types).isEmpty()) {
        fail("a sample of a family without a # TYPE line before it at " + where);
      }
      Map<String, String> labels = labels(sample.group(2), where);
      if (!series.add(name + labels)) {
        fail("the same series twice at " + where);
      }
      samples.add(new Sample(name, labels, number(sample.group(3))));
    }
    return new PrometheusText(List.copyOf(samples), Collections.unmodifiableMap(types));
  }

  /**
   * The family a sample name belongs to: the name itself, or for a histogram or summary the name
   * without its {@code _bucket}, {@code _count} or {@code _sum} suffix.
   */
  private static Optional<String> family(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return Optional.of(name);
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (name.endsWith(suffix)) {
        String family = name.substring(0, name.length() - suffix.length());
        String type = types.get(family);
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
          return Optional.of(family);
        }
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> labels(String text, String where) {
    Map<String, String> labels = new TreeMap<>();
    if (text == null) {
      return labels;
    }
    Matcher label = ONE_LABEL.matcher(text);
    while (label.find()) {
      String quoted = label.group(2);
      if (labels.put(label.group(1), unescape(quoted.substring(1, quoted.length() - 1))) != null) {
        fail("label " + label.group(1) + " twice at " + where);
      }
    }
    return Collections.unmodifiableMap(labels);
  }

  private static String unescape(String escaped) {
    StringBuilder value = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c == '\\') {
        char next = escaped.charAt(++i);
        value.append(next == 'n' ? '\n' : next);
      } else {
        value.append(c);
      }
    }
    return value.toString();
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN", "+NaN", "-NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /** The value of the series with exactly this name and label set; fails if there is none. */
  public double value(String name, Map<String, String> labels) {
    OptionalDouble value = find(name, labels);
    if (value.isEmpty()) {
      fail(
          "no series "
              + name
              + new TreeMap<>(labels)
              + "; the series named "
              + name
              + ": "
              + samples(name).stream().map(Sample::labels).toList());
    }
    return value.getAsDouble();
  }

  /** The value of the series with this name and no labels; fails if there is none. */
  public double value(String name) {
    return value(name, Map.of());
  }

  /** The value of the series with exactly this name and label set, if it is there. */
  public OptionalDouble find(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(sample -> sample.name().equals(name) && sample.labels().equals(labels))
        .mapToDouble(Sample::value)
        .findFirst();
  }

  /**
   * The value of the series with exactly this name and label set, or 0 if it is not there (yet).
   */
  public double valueOrZero(String name, Map<String, String> labels) {
    return find(name, labels).orElse(0);
  }

  /** Every sample with this name, whatever its labels. */
  public List<Sample> samples(String name) {
    return samples.stream().filter(sample -> sample.name().equals(name)).toList();
  }

  /** Every sample, in the order of the exposition. */
  public List<Sample> samples() {
    return samples;
  }

  /**
   * The names of every sample ({@code _bucket}, {@code _count} and {@code _sum} included, not the
   * family names).
   */
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    samples.forEach(sample -> names.add(sample.name()));
    return Collections.unmodifiableSet(names);
  }

  /**
   * The type a {@code # TYPE} line gives this family ({@code counter}, {@code gauge}, {@code
   * histogram}, ...).
   */
  public Optional<String> type(String family) {
    return Optional.ofNullable(types.get(family));
  }

  /**
   * How much a series moved between two scrapes, which must be a whole number; a series created in
   * between (a timer's first sample, say) counts from 0.
   */
  public static long delta(
      PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
    double moved = after.value(name, labels) - before.valueOrZero(name, labels);
    assertEquals(Math.rint(moved), moved, name + labels + " moved by a whole number");
    return (long) moved;
  }

  /**
   * {@link #delta} for a polling condition: a series that is not there (yet) counts as 0, and
   * nothing fails.
   */
  public static double moved(
      PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
    return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
  }

  /** A label set: {@code labels("frontend", "http", "status", "200")}. */
  public static Map<String, String> labels(String... namesAndValues) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      labels.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return labels;
  }
}
