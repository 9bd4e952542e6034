package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code java -jar redis-proxy.jar loadtest} as a user runs it: against the packaged proxy on a
 * real redis-server, seeding the keys itself, and writing its numbers to a JSON file.
 */
class LoadGeneratorIT {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern SET_CALLS =
      Pattern.compile("^cmdstat_set:calls=(\\d+),", Pattern.MULTILINE);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  /** A closed loop run on seeded keys has no error and loads each key from redis at most once. */
  @Test
  void closedLoopRunLoadsEachKeyAtMostOnce() throws Exception {
    Path output = outputFile("closed.json");

    ProxyProcess.Run run =
        loadtest(
            "--seed-redis=" + redis.address(),
            "--keys=100",
            "--warmup=1s",
            "--duration=2s",
            "--connections=8",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    assertThat(run.stdout()).as("the report").anyMatch(line -> line.startsWith("  throughput"));
    assertThat(run.stderr())
        .as("progress lines")
        .anyMatch(line -> line.matches("\\[ +\\d+s\\] .* req/s .*"));
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).isPositive();
    assertThat(report.get("errors").asLong()).as("errors; %s", report).isZero();
    // How many of the 100 keys are first read in the measured part, and so the hit ratio, depends
    // on the machine's speed; that every answer says hit or miss, and that Redis is asked for each
    // key at most once, does not.
    long hits = report.get("hits").asLong();
    long misses = report.get("misses").asLong();
    assertThat(hits + misses)
        .as("hits + misses; %s", report)
        .isEqualTo(report.get("requests").asLong());
    assertThat(redis.getCalls()).as("GETs Redis executed").isBetween(1L, 100L);
    assertThat(setCalls()).as("SETs Redis executed").isEqualTo(100);
  }

  /** An open loop run sends rate times duration requests without backlog. */
  @Test
  void openLoopRunHasNoBacklog() throws Exception {
    Path output = outputFile("open.json");

    // The whole run (warm-up included) sends 600 requests, so 600 connections can never all be
    // busy: no backlog by construction. (Rate x timeout is not enough: a pacer that a loaded
    // machine holds up sends the requests it owes at once, and 500 connections did fill up that
    // way.) Connections are opened only as requests need them.
    ProxyProcess.Run run =
        loadtest(
            "--seed-redis=" + redis.address(),
            "--keys=100",
            "--rate=200",
            "--connections=600",
            "--warmup=1s",
            "--duration=2s",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).as("requests; %s", report).isBetween(360L, 440L);
    assertThat(report.get("errors_by_kind").has("backlog"))
        .as("backlog errors; %s", report)
        .isFalse();
  }

  /** A bad option prints one line and exits 2. */
  @Test
  void badOptionExits2() {
    ProxyProcess.Run run = loadtest("--distribution=pareto");

    assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(2);
    assertThat(run.stderr()).as("stderr; %s", run).hasSize(1);
    assertThat(run.stderr().get(0)).contains("--distribution");
    assertThat(run.stdout()).isEmpty();
  }

  /** The proxy help mentions the subcommand and its help lists the options. */
  @Test
  void helpNamesTheSubcommandAndItsOptions() {
    ProxyProcess.Run proxyHelp = ProxyProcess.run(List.of("--help"), Map.of(), RUN_TIMEOUT);
    ProxyProcess.Run help = loadtest("--help");

    assertThat(String.join("\n", proxyHelp.stdout())).contains("loadtest");
    assertThat(help.exitCode()).isZero();
    assertThat(String.join("\n", help.stdout()))
        .contains(
            "--url",
            "--connections",
            "--rate",
            "--keys",
            "--distribution",
            "--zipf-s",
            "--key-prefix",
            "--seed")
        .contains(
            "--warmup", "--duration", "--timeout", "--output", "--seed-redis", "--value-size");
  }

  private static ProxyProcess.Run loadtest(String... options) {
    List<String> args = new ArrayList<>(List.of("loadtest", "--url=" + proxy.baseUri().toString()));
    args.addAll(List.of(options));
    return ProxyProcess.run(args, Map.of(), RUN_TIMEOUT);
  }

  /**
   * A fresh file under target/ (the system property names the jar there); the jar runs in a
   * temporary directory.
   */
  private static Path outputFile(String name) throws Exception {
    Path dir =
        Path.of(System.getProperty("redisproxy.jar"))
            .toAbsolutePath()
            .getParent()
            .resolve("loadtest-it");
    Files.createDirectories(dir);
    Path file = dir.resolve(name);
    Files.deleteIfExists(file);
    return file;
  }

  private static long setCalls() {
    Matcher calls = SET_CALLS.matcher(redis.commands().info("commandstats"));
    return calls.find() ? Long.parseLong(calls.group(1)) : 0;
  }
}
