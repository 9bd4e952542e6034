package io.github.redisproxy.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The final numbers of one run, over the measured duration only (the warm-up is discarded).
 *
 * @param run what was run, e.g. {@code closed loop, 32 connections, 10000 keys uniform}
 * @param requests requests whose (intended) send time fell in the measured duration, answered or
 *     not
 * @param duration the measured duration
 * @param latencyMs latency of the answered requests in milliseconds, from the intended send time
 * @param errors requests that failed, by kind: an HTTP status other than 2xx ({@code 404}, {@code
 *     503}), {@code timeout}, {@code connect}, {@code io} (the connection broke), {@code backlog}
 *     (open loop: no free connection at the intended time)
 * @param hits 200 answers with {@code X-Cache: HIT}
 * @param misses 200 answers with {@code X-Cache: MISS}
 * @param hitsKnown whether answers say hit or miss: false over RESP, whose answers do not, so that
 *     hits, misses and the hit ratio are reported as unknown (n/a, JSON null, CSV empty) rather
 *     than as 0
 */
record LoadReport(
    String run,
    long requests,
    Duration duration,
    Latency latencyMs,
    Map<String, Long> errors,
    long hits,
    long misses,
    boolean hitsKnown) {

  /** Latency percentiles and maximum, in milliseconds; all 0 when nothing was answered. */
  record Latency(double p50, double p90, double p99, double p999, double max) {
    static Latency of(Histogram nanos) {
      if (nanos.getTotalCount() == 0) {
        return new Latency(0, 0, 0, 0, 0);
      }
      return new Latency(
          millis(nanos.getValueAtPercentile(50)),
          millis(nanos.getValueAtPercentile(90)),
          millis(nanos.getValueAtPercentile(99)),
          millis(nanos.getValueAtPercentile(99.9)),
          millis(nanos.getMaxValue()));
    }

    private static double millis(long nanos) {
      return nanos / 1e6;
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  LoadReport {
    errors = Collections.unmodifiableSortedMap(new TreeMap<>(errors)); // kinds in a stable order
  }

  /** Requests per second over the measured duration. */
  double throughput() {
    return requests / (duration.toNanos() / 1e9);
  }

  long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** HIT / (HIT + MISS) over 200 answers; NaN when there was none, or answers do not say. */
  double hitRatio() {
    return !hasHitRatio() ? Double.NaN : (double) hits / (hits + misses);
  }

  private boolean hasHitRatio() {
    return hitsKnown && hits + misses > 0;
  }

  /** The report for people, several lines, each ending with a newline. */
  String text() {
    StringBuilder text = new StringBuilder();
    text.append("loadtest: ").append(run).append('\n');
    text.append(
        String.format(
            Locale.ROOT, "  requests     %d in %s%n", requests, seconds(duration) + " s"));
    text.append(String.format(Locale.ROOT, "  throughput   %.1f req/s%n", throughput()));
    text.append(
        String.format(
            Locale.ROOT,
            "  latency ms   p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            latencyMs.p50(),
            latencyMs.p90(),
            latencyMs.p99(),
            latencyMs.p999(),
            latencyMs.max()));
    text.append("  errors       ").append(errorCount());
    if (!errors.isEmpty()) {
      text.append(" (").append(errorsByKind(", ", ": ")).append(')');
    }
    text.append('\n');
    text.append("  hit ratio    ");
    if (!hitsKnown) {
      text.append("n/a (RESP answers do not say hit or miss)\n");
    } else if (hits + misses == 0) {
      text.append("n/a (no 200 answer with X-Cache)\n");
    } else {
      text.append(
          String.format(Locale.ROOT, "%.4f (%d hits, %d misses)%n", hitRatio(), hits, misses));
    }
    return text.toString();
  }

  /** One JSON object, ending with a newline. */
  String json() {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.useDefaultPrettyPrinter();
      json.writeStartObject();
      json.writeStringField("run", run);
      json.writeNumberField("requests", requests);
      json.writeNumberField("duration_seconds", duration.toNanos() / 1e9);
      json.writeNumberField("throughput", round(throughput(), 1));
      json.writeObjectFieldStart("latency_ms");
      json.writeNumberField("p50", latencyMs.p50());
      json.writeNumberField("p90", latencyMs.p90());
      json.writeNumberField("p99", latencyMs.p99());
      json.writeNumberField("p99_9", latencyMs.p999());
      json.writeNumberField("max", latencyMs.max());
      json.writeEndObject();
      json.writeNumberField("errors", errorCount());
      json.writeObjectFieldStart("errors_by_kind");
      for (Map.Entry<String, Long> error : errors.entrySet()) {
        json.writeNumberField(error.getKey(), error.getValue());
      }
      json.writeEndObject();
      if (hitsKnown) {
        json.writeNumberField("hits", hits);
        json.writeNumberField("misses", misses);
      } else {
        json.writeNullField("hits");
        json.writeNullField("misses");
      }
      if (!hasHitRatio()) {
        json.writeNullField("hit_ratio");
      } else {
        json.writeNumberField("hit_ratio", round(hitRatio(), 6));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
    return out + "\n";
  }

  /**
   * A header line and one row. Errors by kind are one field, {@code kind=count} separated by
   * spaces, since the kinds vary from run to run; {@code hit_ratio} is empty when there was no hit
   * or miss, and {@code hits} and {@code misses} are too when answers do not say (RESP).
   */
  String csv() {
    String header =
        "run,requests,duration_seconds,throughput,p50_ms,p90_ms,p99_ms,p99_9_ms,max_ms,errors,errors_by_kind,hits,misses,hit_ratio";
    String row =
        String.join(
            ",",
            quote(run),
            Long.toString(requests),
            seconds(duration),
            String.format(Locale.ROOT, "%.1f", throughput()),
            Double.toString(latencyMs.p50()),
            Double.toString(latencyMs.p90()),
            Double.toString(latencyMs.p99()),
            Double.toString(latencyMs.p999()),
            Double.toString(latencyMs.max()),
            Long.toString(errorCount()),
            quote(errorsByKind(" ", "=")),
            hitsKnown ? Long.toString(hits) : "",
            hitsKnown ? Long.toString(misses) : "",
            hasHitRatio() ? Double.toString(round(hitRatio(), 6)) : "");
    return header + "\n" + row + "\n";
  }

  private String errorsByKind(String separator, String assign) {
    return errors.entrySet().stream()
        .map(error -> error.getKey() + assign + error.getValue())
        .collect(Collectors.joining(separator));
  }

  private static String seconds(Duration duration) {
    return java.math.BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  private static String quote(String field) {
    return field.matches("[^,\"\\n]*") ? field : "\"" + field.replace("\"", "\"\"") + "\"";
  }
}
