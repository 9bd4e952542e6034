package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard cannot drift from the code: every metric its queries use is on /metrics of
 * a running proxy, with every label its queries group by. The proxy runs in front of an embedded
 * Redis Cluster, so that the per-node meters exist too, and has served one miss and one hit over
 * HTTP and one GET over RESP.
 */
class DashboardIT {
  private static final Path DASHBOARD = Path.of("deploy", "grafana", "redis-proxy.json");
  private static final Pattern METRIC =
      Pattern.compile("\\b((?:redis_proxy|jvm|process|netty)_[a-z0-9_]*[a-z0-9])\\b");
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");

  @RegisterExtension
  static final ProxyExtension proxy =
      ProxyExtension.builder().env("REDIS_ADDRESS", "embedded-cluster").resp().build();

  private static PrometheusText metrics;
  private static List<String> queries;

  @BeforeAll
  static void serveAndScrape() throws IOException {
    ProxyClient http = proxy.http();
    http.get("/dashboard:absent");
    http.get("/dashboard:absent");
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      resp.call("GET", "dashboard:absent");
    }
    metrics = proxy.management().scrape();
    queries = queries();
  }

  @Test
  void everyMetricTheDashboardQueriesIsExported() {
    Set<String> missing = new TreeSet<>();
    for (String query : queries) {
      for (String metric : metricsOf(query)) {
        if (!metrics.names().contains(metric)) {
          missing.add(metric);
        }
      }
    }
    assertThat(queries).as("queries in " + DASHBOARD).hasSizeGreaterThan(20);
    assertThat(missing)
        .as("metrics queried by %s but not on /metrics, which has %s", DASHBOARD, metrics.names())
        .isEmpty();
  }

  @Test
  void everyLabelTheDashboardGroupsByIsOnTheMetricsItQueries() {
    List<String> missing = new ArrayList<>();
    for (String query : queries) {
      Matcher grouping = GROUPING.matcher(query);
      while (grouping.find()) {
        for (String label : grouping.group(1).split(",")) {
          String name = label.strip();
          boolean present =
              metricsOf(query).stream()
                  .flatMap(metric -> metrics.samples(metric).stream())
                  .anyMatch(sample -> sample.labels().containsKey(name));
          if (!present) {
            missing.add(name + " in " + query);
          }
        }
      }
    }
    assertThat(missing).as("labels grouped by in " + DASHBOARD).isEmpty();
  }

  private static Set<String> metricsOf(String query) {
    Set<String> names = new TreeSet<>();
    Matcher metric = METRIC.matcher(query);
    while (metric.find()) {
      names.add(metric.group(1));
    }
    return names;
  }

  /** Every {@code expr} in the dashboard, read with Jackson's streaming parser. */
  private static List<String> queries() throws IOException {
    List<String> found = new ArrayList<>();
    try (JsonParser parser = new JsonFactory().createParser(DASHBOARD.toFile())) {
      for (JsonToken token; (token = parser.nextToken()) != null; ) {
        if (token == JsonToken.FIELD_NAME && parser.currentName().equals("expr")) {
          parser.nextToken();
          found.add(parser.getText());
        }
      }
    }
    return found;
  }
}
