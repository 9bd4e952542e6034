package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

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

  /** The text report shows every number on its own line. */
  @Test
  void textReportShowsEveryNumber() {
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
  void noHitOrMissReadsNotApplicable() throws Exception {
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

  /** Answers that do not say hit or miss give unknown rather than zero. */
  @Test
  void unlabelledAnswersGiveUnknownHitRatio() throws Exception {
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

  /** The JSON report is one object with every number. */
  @Test
  void jsonReportIsOneObject() throws Exception {
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

  /** The CSV report is a header and one row with quoted text. */
  @Test
  void csvReportIsHeaderAndOneRow() {
    assertThat(REPORT.csv())
        .isEqualTo(
            "run,requests,duration_seconds,throughput,p50_ms,p90_ms,p99_ms,p99_9_ms,max_ms,errors,errors_by_kind,hits,misses,hit_ratio\n"
                + "\"closed loop, 8 connections, 100 keys uniform, http://127.0.0.1:8080/lt:{n}\",12345,2,6172.5,"
                + "0.25,0.5,1.25,4.0,12.5,5,503=3 timeout=2,9000,1000,0.9\n");
  }
}
