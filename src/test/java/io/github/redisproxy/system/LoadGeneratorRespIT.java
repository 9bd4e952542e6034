package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code java -jar redis-proxy.jar loadtest --url=redis://...} as a user runs it: RESP load on the
 * packaged proxy's {@code RESP_PORT}, in front of a real redis-server. Each test uses a key prefix
 * of its own, so that no test finds keys another one left in the proxy's cache.
 */
class LoadGeneratorRespIT {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Every run allows a request 10 s (not the default 2 s): on this shared 2-core machine two cold
   * JVMs plus other builds have taken over 2 s for a first answer, and "zero errors" should not
   * depend on that.
   */
  private static final String TIMEOUT = "--timeout=10s";

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  /** A closed loop run on a seeded key is all answered and loads the key from redis once. */
  @Test
  void closedLoopRunLoadsTheKeyOnce() throws Exception {
    Path output = outputFile("resp-closed.json");

    // One key, so that exactly one GET reaches Redis: the 8 connections' first requests coalesce
    // into one load, and every later one is a cache hit. (Over RESP the report cannot tell hits;
    // Redis' own count can.)
    ProxyProcess.Run run =
        loadtest(
            "--seed-redis=" + redis.address(),
            "--key-prefix=resp-closed:",
            "--keys=1",
            "--warmup=1s",
            "--duration=2s",
            "--connections=8",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    assertThat(run.stdout())
        .as("the report")
        .contains("  hit ratio    n/a (RESP answers do not say hit or miss)");
    assertThat(run.stdout().get(0))
        .as("the report")
        .endsWith(", " + proxy.respUri() + " GET resp-closed:{n}");
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).as("requests; %s", report).isPositive();
    assertThat(report.get("errors").asLong()).as("errors; %s", report).isZero();
    assertThat(report.get("hits").isNull()).as("hits; %s", report).isTrue();
    assertThat(report.get("hit_ratio").isNull()).as("hit ratio; %s", report).isTrue();
    assertThat(redis.getCalls()).as("GETs Redis executed").isEqualTo(1);
  }

  /** An open loop run sends rate times duration requests without backlog or error. */
  @Test
  void openLoopRunHasNoBacklogOrError() throws Exception {
    Path output = outputFile("resp-open.json");

    // A request is in flight at most --timeout, so 1500 connections (above rate x timeout, 100/s x
    // 10 s) can never
    // all be busy: no backlog by construction, however slowly the cold JVMs on this machine answer.
    ProxyProcess.Run run =
        loadtest(
            "--seed-redis=" + redis.address(),
            "--key-prefix=resp-open:",
            "--keys=20",
            "--rate=100",
            "--connections=1500",
            "--warmup=1s",
            "--duration=2s",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).as("requests; %s", report).isEqualTo(200);
    assertThat(report.get("errors").asLong()).as("errors; %s", report).isZero();
    // Each of the 20 keys is loaded from Redis at most once, whatever the order of the requests.
    assertThat(redis.getCalls()).as("GETs Redis executed").isBetween(1L, 20L);
  }

  /** Absent keys are errors of kind nil. */
  @Test
  void absentKeysAreNilErrors() throws Exception {
    Path output = outputFile("resp-absent.json");

    ProxyProcess.Run run =
        loadtest(
            "--key-prefix=resp-absent:",
            "--keys=10",
            "--warmup=0",
            "--duration=1s",
            "--connections=2",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).as("requests; %s", report).isPositive();
    assertThat(fieldNames(report.get("errors_by_kind")))
        .as("error kinds; %s", report)
        .containsExactly("nil");
    assertThat(report.get("errors_by_kind").get("nil").asLong())
        .as("nil; %s", report)
        .isEqualTo(report.get("requests").asLong());
  }

  /** A port nothing listens on gives connect errors and the run still ends. */
  @Test
  void closedPortGivesConnectErrorsAndTheRunEnds() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path output = outputFile("resp-closed-port.json");

    ProxyProcess.Run run =
        loadtest(
            "--url=redis://127.0.0.1:" + closedPort,
            "--warmup=0",
            "--duration=1s",
            "--connections=2",
            "--output=" + output);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    JsonNode report = new ObjectMapper().readTree(output.toFile());
    assertThat(report.get("requests").asLong()).as("requests; %s", report).isPositive();
    assertThat(fieldNames(report.get("errors_by_kind")))
        .as("error kinds; %s", report)
        .containsExactly("connect");
  }

  /**
   * Runs {@code loadtest} against the proxy's RESP port; a later {@code --url} in {@code options}
   * wins.
   */
  private static ProxyProcess.Run loadtest(String... options) {
    List<String> args = new ArrayList<>(List.of("loadtest", "--url=" + proxy.respUri(), TIMEOUT));
    args.addAll(List.of(options));
    return ProxyProcess.run(args, Map.of(), RUN_TIMEOUT);
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
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
}
