package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LoadReportTest {
  private static final LoadReport REPORT =
      new LoadReport(
          "closed loop, 8 connections, 100 keys uniform, http://127.0.0.1:8080/lt:{n}",
          12_345,
          Duration.ofSeconds(2),
          new LoadReport.Latency(0.25, 0.5, 1.25, 4, 12.5),
          new TreeMap<>(Map.of("timeout", 2L, "503", 3L)),
          9_000,
          1_000,
          true);

  @Test
  void the_text_report_shows_every_number_on_its_own_line() {
    assertThat(REPORT.text())
        .isEqualTo(
            """
            loadtest: closed loop, 8 connections, 100 keys uniform, http://127.0.0.1:8080/lt:{n}
              requests     12345 in 2 s
              throughput   6172.5 req/s
              latency ms   p50 0.250  p90 0.500  p99 1.250  p99.9 4.000  max 12.500
              errors       5 (503: 3, timeout: 2)
              hit ratio    0.9000 (9000 hits, 1000 misses)
            """);
  }

  @Test
  void no_hit_or_miss_reads_not_applicable_and_null() throws Exception {
    LoadReport report =
        new LoadReport(
            "r",
            0,
            Duration.ofMillis(1500),
            new LoadReport.Latency(0, 0, 0, 0, 0),
            Map.of(),
            0,
            0,
            true);

    assertThat(report.text())
        .contains("requests     0 in 1.5 s")
        .contains("errors       0\n")
        .contains("hit ratio    n/a");
    assertThat(new ObjectMapper().readTree(report.json()).get("hit_ratio").isNull()).isTrue();
    assertThat(report.csv()).endsWith(",0,0,\n");
  }

  @Test
  void answers_that_do_not_say_hit_or_miss_give_unknown_rather_than_zero() throws Exception {
    LoadReport report =
        new LoadReport(
            "closed loop, 8 connections, 100 keys uniform, redis://127.0.0.1:6380 GET lt:{n}",
            100,
            Duration.ofSeconds(1),
            new LoadReport.Latency(0.25, 0.5, 1.25, 4, 12.5),
            Map.of("nil", 10L),
            0,
            0,
            false);

    assertThat(report.text())
        .endsWith(
            "  errors       10 (nil: 10)\n  hit ratio    n/a (RESP answers do not say hit or miss)\n");
    JsonNode json = new ObjectMapper().readTree(report.json());
    assertThat(json.get("hits").isNull()).isTrue();
    assertThat(json.get("misses").isNull()).isTrue();
    assertThat(json.get("hit_ratio").isNull()).isTrue();
    assertThat(report.csv()).endsWith(",10,nil=10,,,\n");
    assertThat(report.hitRatio()).isNaN();
  }

  @Test
  void the_json_report_is_one_object_with_every_number() throws Exception {
    JsonNode json = new ObjectMapper().readTree(REPORT.json());

    assertThat(json.get("run").asText()).isEqualTo(REPORT.run());
    assertThat(json.get("requests").asLong()).isEqualTo(12_345);
    assertThat(json.get("duration_seconds").asDouble()).isEqualTo(2.0);
    assertThat(json.get("throughput").asDouble()).isEqualTo(6172.5);
    assertThat(json.get("latency_ms").get("p50").asDouble()).isEqualTo(0.25);
    assertThat(json.get("latency_ms").get("p90").asDouble()).isEqualTo(0.5);
    assertThat(json.get("latency_ms").get("p99").asDouble()).isEqualTo(1.25);
    assertThat(json.get("latency_ms").get("p99_9").asDouble()).isEqualTo(4.0);
    assertThat(json.get("latency_ms").get("max").asDouble()).isEqualTo(12.5);
    assertThat(json.get("errors").asLong()).isEqualTo(5);
    assertThat(json.get("errors_by_kind").get("503").asLong()).isEqualTo(3);
    assertThat(json.get("errors_by_kind").get("timeout").asLong()).isEqualTo(2);
    assertThat(json.get("hits").asLong()).isEqualTo(9000);
    assertThat(json.get("misses").asLong()).isEqualTo(1000);
    assertThat(json.get("hit_ratio").asDouble()).isEqualTo(0.9);
  }

  @Test
  void the_csv_report_is_a_header_and_one_row_with_quoted_text() {
    assertThat(REPORT.csv())
        .isEqualTo(
            "run,requests,duration_seconds,throughput,p50_ms,p90_ms,p99_ms,p99_9_ms,max_ms,errors,errors_by_kind,hits,misses,hit_ratio\n"
                + "\"closed loop, 8 connections, 100 keys uniform, http://127.0.0.1:8080/lt:{n}\",12345,2,6172.5,"
                + "0.25,0.5,1.25,4.0,12.5,5,503=3 timeout=2,9000,1000,0.9\n");
  }
}
