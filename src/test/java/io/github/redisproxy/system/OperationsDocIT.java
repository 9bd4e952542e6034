package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/operations.md names only metrics the proxy exports. A proxy with RESP on serves one miss,
 * one hit and one RESP command; then its {@code /metrics} must hold every metric name the page
 * writes (any {@code redis_proxy_}, {@code jvm_}, {@code process_}, {@code system_} or {@code
 * netty_} token; a histogram counts as exported through its {@code _bucket}, {@code _count}, {@code
 * _sum} or {@code _max} series; {@code jvm_*} needs one metric with that prefix), and every label
 * value its metrics table lists in the form {@code `label`: `value`, `value`}. docs/resp.md lists
 * exactly the fields {@code INFO cache} answers.
 */
class OperationsDocIT {
  private static final Path PAGE = Path.of("docs", "operations.md");
  private static final Path RESP_PAGE = Path.of("docs", "resp.md");
  private static final Pattern INFO_FIELD = Pattern.compile("`(cache_[a-z_]+)`");
  private static final Pattern NAME =
      Pattern.compile("\\b((?:redis_proxy|jvm|process|system|netty)_[a-z0-9_]*[a-z0-9])\\b");
  private static final Pattern PREFIX =
      Pattern.compile("\\b((?:redis_proxy|jvm|process|system|netty)_)\\*");
  private static final Pattern LABEL_VALUES = Pattern.compile("`(\\w+)`: (`\\w+`(?:, `\\w+`)*)");
  private static final Set<String> SERIES_SUFFIXES =
      Set.of("bucket", "count", "sum", "max", "total", "created");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  private static PrometheusText metrics;

  @BeforeAll
  static void serveOneOfEachAndScrape() {
    redis.commands().set("ops-doc:key", "value");
    ProxyClient http = proxy.http();
    assertThat(http.get("/ops-doc:key").headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(http.get("/ops-doc:key").headers().firstValue("X-Cache")).hasValue("HIT");
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertThat(resp.call("GET", "ops-doc:key")).isEqualTo(RawResp.bulk("value"));
    }
    metrics = proxy.management().scrape();
  }

  /**
   * docs/resp.md's {@code INFO} table lists exactly the fields {@code INFO cache} answers: the same
   * words (hits, misses, coalesced, evictions by cause) as /metrics and /cache/stats.
   */
  @Test
  void infoCacheFieldsAreExactlyThoseRespPageLists() throws IOException {
    Set<String> documented = new TreeSet<>();
    for (String line : Files.readAllLines(RESP_PAGE)) {
      if (line.startsWith("| `# Cache`")) {
        Matcher field = INFO_FIELD.matcher(line);
        while (field.find()) {
          documented.add(field.group(1));
        }
      }
    }
    Set<String> answered = new TreeSet<>();
    for (String line : proxy.resp().info("cache").split("\r\n")) {
      int colon = line.indexOf(':');
      if (!line.startsWith("#") && colon > 0) {
        answered.add(line.substring(0, colon));
      }
    }
    assertThat(documented).as("INFO cache fields in " + RESP_PAGE).isEqualTo(answered);
  }

  @Test
  void everyMetricThePageNamesIsExported() throws IOException {
    String page = Files.readString(PAGE);
    Set<String> names = new TreeSet<>();
    Matcher name = NAME.matcher(page);
    while (name.find()) {
      names.add(name.group(1));
    }
    assertThat(names)
        .as("metric names found in " + PAGE)
        .contains("redis_proxy_cache_requests_total");

    List<String> missing = new ArrayList<>();
    names.stream().filter(documented -> family(documented).isEmpty()).forEach(missing::add);
    Matcher prefix = PREFIX.matcher(page);
    while (prefix.find()) {
      String start = prefix.group(1);
      if (metrics.names().stream().noneMatch(exported -> exported.startsWith(start))) {
        missing.add(start + "*");
      }
    }
    assertThat(missing)
        .as("metrics named in " + PAGE + " but not on /metrics, which has " + metrics.names())
        .isEmpty();
  }

  @Test
  void everyLabelValueTheMetricsTableListsIsExported() throws IOException {
    Map<String, Map<String, List<String>>> documented = documentedLabelValues();
    assertThat(documented)
        .as("metrics table rows with listed label values in " + PAGE)
        .containsKey("redis_proxy_cache_evictions_total");

    List<String> missing = new ArrayList<>();
    documented.forEach(
        (metric, labels) ->
            labels.forEach(
                (label, values) -> {
                  for (String value : values) {
                    boolean exported =
                        metrics.samples().stream()
                            .filter(sample -> belongsTo(sample.name(), metric))
                            .anyMatch(sample -> value.equals(sample.labels().get(label)));
                    if (!exported) {
                      missing.add(metric + "{" + label + "=\"" + value + "\"}");
                    }
                  }
                }));
    assertThat(missing).as("series named in " + PAGE + " but not on /metrics").isEmpty();
  }

  /**
   * For each row of a Markdown table whose first cell is one metric name: the label values its
   * third cell lists as {@code `label`: `a`, `b`}.
   */
  private static Map<String, Map<String, List<String>>> documentedLabelValues() throws IOException {
    Map<String, Map<String, List<String>>> documented = new LinkedHashMap<>();
    for (String line : Files.readAllLines(PAGE)) {
      String[] cells = line.split("\\|");
      if (!line.startsWith("|") || cells.length < 4) {
        continue;
      }
      Matcher metric = Pattern.compile("^\\s*`([a-z0-9_]+)`\\s*$").matcher(cells[1]);
      if (!metric.matches()) {
        continue;
      }
      Matcher labels = LABEL_VALUES.matcher(cells[3]);
      while (labels.find()) {
        List<String> values = new ArrayList<>();
        for (String value : labels.group(2).split(", ")) {
          values.add(value.replace("`", ""));
        }
        documented
            .computeIfAbsent(metric.group(1), m -> new LinkedHashMap<>())
            .put(labels.group(1), values);
      }
    }
    return documented;
  }

  /** The exported series names that stand for {@code documented}: itself, or its family's. */
  private static Optional<String> family(String documented) {
    return metrics.names().stream().filter(exported -> belongsTo(exported, documented)).findFirst();
  }

  private static boolean belongsTo(String exported, String documented) {
    return exported.equals(documented)
        || exported.startsWith(documented + "_")
            && SERIES_SUFFIXES.contains(exported.substring(documented.length() + 1));
  }
}
