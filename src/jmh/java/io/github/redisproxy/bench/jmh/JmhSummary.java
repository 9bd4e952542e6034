package io.github.redisproxy.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Prints the results of one JMH run ({@code -rf json}) as a markdown table, each score with its
 * ratio to the {@code caffeine-raw} score of the same benchmark, thread count and other parameters
 * in the same run.
 *
 * <p>{@code java -cp ... io.github.redisproxy.bench.jmh.JmhSummary RESULT.json} (bench/jmh.sh calls
 * it).
 */
public final class JmhSummary {
  private static final String BASELINE = "caffeine-raw";

  private JmhSummary() {}

  public static void main(String[] args) throws IOException {
    JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    Map<String, Double> baselines = new LinkedHashMap<>();
    for (JsonNode result : results) {
      if (BASELINE.equals(result.path("params").path("policy").asText())) {
        baselines.put(group(result), result.path("primaryMetric").path("score").asDouble());
      }
    }
    System.out.println(
        "| benchmark | threads | policy | score | ± (99.9 %) | unit | vs " + BASELINE + " |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (JsonNode result : results) {
      JsonNode metric = result.path("primaryMetric");
      double score = metric.path("score").asDouble();
      Double baseline = baselines.get(group(result));
      System.out.printf(
          "| %s | %d | %s | %.2f | %s | %s | %s |%n",
          name(result) + otherParams(result),
          result.path("threads").asInt(),
          result.path("params").path("policy").asText("-"),
          score,
          error(metric.path("scoreError").asDouble(Double.NaN)),
          metric.path("scoreUnit").asText(),
          baseline == null ? "-" : String.format("%.2f", score / baseline));
    }
  }

  /** JMH reports no error (NaN) when there are too few measurement iterations. */
  private static String error(double error) {
    return Double.isNaN(error) ? "-" : String.format("%.2f", error);
  }

  /**
   * The rows one policy's score is compared with: same benchmark, thread count and other
   * parameters.
   */
  private static String group(JsonNode result) {
    return name(result) + otherParams(result) + " " + result.path("threads").asInt();
  }

  /** Every parameter but the policy, such as {@code (keys=zipf)}; empty when there is none. */
  private static String otherParams(JsonNode result) {
    StringJoiner params = new StringJoiner(", ", " (", ")").setEmptyValue("");
    for (Map.Entry<String, JsonNode> param : result.path("params").properties()) {
      if (!param.getKey().equals("policy")) {
        params.add(param.getKey() + "=" + param.getValue().asText());
      }
    }
    return params.toString();
  }

  /** The benchmark's class and method, without the package. */
  private static String name(JsonNode result) {
    String benchmark = result.path("benchmark").asText();
    int method = benchmark.lastIndexOf('.');
    int type = benchmark.lastIndexOf('.', method - 1);
    return benchmark.substring(type + 1);
  }
}
