package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.blockhound.BlockHoundSessionListener;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The generator against a small in-process HTTP server that answers like the proxy ({@code /k:N}:
 * 404 for every tenth key, else 200 with {@code X-Cache} HIT for odd N and MISS for even; {@code
 * /slow:N} after 300 ms). BlockHound is installed in this JVM, so a blocking call on the
 * generator's event loops would fail the run; each test also checks that none was recorded.
 */
class LoadGeneratorTest {
  private static DisposableServer server;
  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
  private int violationsBefore;

  @BeforeAll
  static void startServer() {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(
                (request, response) -> {
                  String path = request.uri();
                  if (path.startsWith("/slow:")) {
                    return Mono.delay(Duration.ofMillis(300))
                        .then(response.sendString(Mono.just("late")).then());
                  }
                  int n = Integer.parseInt(path.substring("/k:".length()));
                  if (n % 10 == 0) {
                    return response.status(HttpResponseStatus.NOT_FOUND).send();
                  }
                  return response
                      .header("X-Cache", n % 2 == 1 ? "HIT" : "MISS")
                      .sendString(Mono.just("value"))
                      .then();
                })
            .bindNow();
    // A cold JVM takes hundreds of milliseconds over its first requests (class loading, JIT,
    // BlockHound's instrumentation); the timing-sensitive tests below should not pay for that.
    LoadTestOptions warmup =
        LoadTestOptions.parse(
            List.of(
                "--url=http://127.0.0.1:" + server.port(),
                "--key-prefix=k:",
                "--connections=4",
                "--warmup=0",
                "--duration=1500ms"));
    new LoadGenerator(
            warmup, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
        .run();
  }

  @AfterAll
  static void stopServer() {
    server.disposeNow();
  }

  @org.junit.jupiter.api.BeforeEach
  void markViolations() {
    violationsBefore = BlockHoundSessionListener.violations().size();
  }

  @AfterEach
  void nothingBlockedAnEventLoop() {
    List<String> violations = BlockHoundSessionListener.violations();
    assertThat(violations.subList(violationsBefore, violations.size())).isEmpty();
  }

  /** A closed loop counts answers, errors by status and the hit ratio. */
  @Test
  void closedLoopCountsAnswersErrorsAndHitRatio() {
    LoadReport report =
        run(
            "--keys=100",
            "--key-prefix=k:",
            "--connections=4",
            "--warmup=200ms",
            "--duration=700ms");

    assertThat(report.requests()).isGreaterThan(50);
    assertThat(report.errors()).containsOnlyKeys("404");
    assertThat(report.errors().get("404"))
        .isBetween(report.requests() / 20, report.requests() / 5); // about 1 in 10
    assertThat(report.hits() + report.misses() + report.errorCount()).isEqualTo(report.requests());
    assertThat(report.hitRatio()).isBetween(0.35, 0.65); // odd and even keys, uniformly
    assertThat(report.latencyMs().max()).isPositive();
    assertThat(report.latencyMs().p50()).isLessThanOrEqualTo(report.latencyMs().p99());
  }

  @Test
  void openLoopSendsRateTimesDurationRequests() {
    // More connections than rate x timeout (400/s x 2 s): a request holds one at most until it
    // times out, so no request can find them all busy, however slowly this machine answers.
    LoadReport report =
        run(
            "--keys=100",
            "--key-prefix=k:",
            "--rate=400",
            "--connections=1000",
            "--warmup=300ms",
            "--duration=1s");

    assertThat(report.requests()).isEqualTo(400);
    assertThat(report.errors()).doesNotContainKey("backlog");
    assertThat(report.throughput()).isEqualTo(400.0);
  }

  /** An open loop counts requests with no free connection as backlog and charges the delay. */
  @Test
  void openLoopCountsBacklogAndChargesTheDelay() {
    // 2 connections of a 300 ms server carry about 7 requests a second; the schedule asks for 50.
    LoadReport report =
        run(
            "--keys=10",
            "--key-prefix=slow:",
            "--rate=50",
            "--connections=2",
            "--warmup=0",
            "--duration=1s");

    assertThat(report.requests()).isEqualTo(50);
    assertThat(report.errors().get("backlog")).isGreaterThan(30);
    assertThat(report.latencyMs().p50()).isGreaterThanOrEqualTo(300);
  }

  /** A request slower than the timeout is an error of kind timeout. */
  @Test
  void slowRequestIsTimeoutError() {
    LoadReport report =
        run(
            "--keys=10",
            "--key-prefix=slow:",
            "--connections=2",
            "--timeout=100ms",
            "--warmup=0",
            "--duration=500ms");

    assertThat(report.requests()).isPositive();
    assertThat(report.errors()).containsOnlyKeys("timeout");
    assertThat(report.errorCount()).isEqualTo(report.requests());
  }

  @Test
  void closedPortGivesConnectErrors() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    LoadReport report =
        run(
            "--url=http://127.0.0.1:" + closedPort,
            "--connections=2",
            "--warmup=0",
            "--duration=300ms");

    assertThat(report.requests()).isPositive();
    assertThat(report.errors()).containsOnlyKeys("connect");
  }

  @Test
  void progressLineAppearsEachSecond() {
    run(
        "--keys=100",
        "--key-prefix=k:",
        "--connections=2",
        "--warmup=0",
        "--duration=2600ms"); // ticks at 1 s and 2 s

    String lines = progress.toString(StandardCharsets.UTF_8);
    assertThat(lines.lines().toList())
        .hasSizeBetween(2, 3)
        .allMatch(
            line ->
                line.matches(
                    "\\[ +\\d+s\\] measuring +\\d+ req/s  errors \\d+  p99 (-|\\d+\\.\\d{3} ms)"));
  }

  /** Failures are classified through their causes. */
  @Test
  void failuresAreClassifiedByCause() {
    assertThat(LoadGenerator.kind(new TimeoutException())).isEqualTo("timeout");
    assertThat(LoadGenerator.kind(new IllegalStateException(new ConnectException("refused"))))
        .isEqualTo("connect");
    assertThat(LoadGenerator.kind(new java.io.IOException("reset"))).isEqualTo("io");
  }

  /** A key prefix is percent-encoded where a path needs it. */
  @Test
  void keyPrefixIsPercentEncoded() {
    assertThat(HttpTarget.encodePath("lt:")).isEqualTo("lt:");
    assertThat(HttpTarget.encodePath("a b/é?%")).isEqualTo("a%20b%2F%C3%A9%3F%25");
  }

  private LoadReport run(String... args) {
    List<String> arguments = new ArrayList<>(List.of("--url=http://127.0.0.1:" + server.port()));
    arguments.addAll(List.of(args));
    LoadTestOptions options = LoadTestOptions.parse(arguments.stream().distinct().toList());
    return new LoadGenerator(options, new PrintStream(progress, true, StandardCharsets.UTF_8))
        .run();
  }
}
