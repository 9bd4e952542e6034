package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.TestCertificates;
import io.github.redisproxy.testing.TestCertificates.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A setting that cannot be used stops the proxy before it starts: one line on stderr naming it,
 * exit code 2.
 */
class ConfigurationErrorsIT {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);
  private static final List<String> SETTINGS =
      List.of(
          "REDIS_ADDRESS",
          "CACHE_CAPACITY",
          "GLOBAL_CACHE_EXPIRY",
          "CACHE_POLICY",
          "PROXY_PORT",
          "BIND_ADDRESS",
          "MAX_CONCURRENCY",
          "MAX_QUEUED_REQUESTS",
          "REDIS_TIMEOUT",
          "SHUTDOWN_TIMEOUT",
          "LOG_LEVEL",
          "LOG_FORMAT");

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        /** A bad environment value prints one line naming the setting and exits 2. */
        "CACHE_CAPACITY      | abc",
        "CACHE_CAPACITY      | 0",
        "GLOBAL_CACHE_EXPIRY | -1",
        "GLOBAL_CACHE_EXPIRY | 0",
        "PROXY_PORT          | 70000",
        "REDIS_ADDRESS       | no-port-here",
        "REDIS_TIMEOUT       | soon",
        "MAX_CONCURRENCY     | 0",
        "MAX_QUEUED_REQUESTS | -1",
        "CACHE_POLICY        | fifo",
        "LOG_LEVEL           | loud",
        "OTEL_EXPORTER_OTLP_ENDPOINT | ftp://127.0.0.1:4318",
        "OTEL_EXPORTER_OTLP_ENDPOINT | 127.0.0.1:4318",
        "LOG_FORMAT          | xml",
      })
  void badEnvironmentValueExits2(String setting, String value) {
    ProxyProcess.Run run = ProxyProcess.run(List.of(), Map.of(setting, value), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains(setting), "stderr must name " + setting + "; " + run);
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }

  /** A bad flag value names the setting and exits 2. */
  @Test
  void badFlagValueExits2() {
    ProxyProcess.Run run =
        ProxyProcess.run(List.of("--cache-capacity=lots"), Map.of(), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains("CACHE_CAPACITY"), run.toString());
  }

  /** An unknown flag is named on one line and exits 2. */
  @Test
  void unknownFlagExits2() {
    ProxyProcess.Run run = ProxyProcess.run(List.of("--nope=1"), Map.of(), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains("--nope"), run.toString());
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }

  /** Help lists every setting and exits 0. */
  @Test
  void helpListsEverySetting() {
    ProxyProcess.Run run = ProxyProcess.run(List.of("--help"), Map.of(), RUN_TIMEOUT);

    assertEquals(0, run.exitCode(), "exit code; " + run);
    String help = String.join("\n", run.stdout());
    for (String setting : SETTINGS) {
      assertTrue(help.contains(setting), "--help must list " + setting + ":\n" + help);
    }
    assertTrue(run.stderr().isEmpty(), "nothing on stderr; " + run);
  }

  /**
   * TLS files that cannot serve stop the proxy before it listens (never a fallback to clear text):
   * one line naming the setting, exit code 2, nothing on stdout.
   */
  @Test
  void unusableTlsFilesExit2(@TempDir Path dir) throws Exception {
    Issued authority = TestCertificates.authority("config CA");
    Issued one = TestCertificates.server(authority, "one");
    Issued other = TestCertificates.server(authority, "other");
    Path cert = one.writeCertificate(dir.resolve("cert.pem"));
    Path otherKey = other.writePkcs8Key(dir.resolve("other-key.pem"));
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
    Map<String, Map<String, String>> cases =
        Map.of(
            "TLS_KEY_FILE", Map.of("TLS_CERT_FILE", cert.toString()),
            "TLS_CLIENT_CA_FILE", Map.of("TLS_CLIENT_CA_FILE", cert.toString()),
            "TLS_CERT_FILE",
                Map.of("TLS_CERT_FILE", garbage.toString(), "TLS_KEY_FILE", otherKey.toString()));
    for (var tlsCase : cases.entrySet()) {
      assertExits2Naming(tlsCase.getKey(), tlsCase.getValue());
    }
    assertExits2Naming(
        "TLS_KEY_FILE",
        Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", otherKey.toString()));
    assertExits2Naming(
        "TLS_KEY_FILE",
        Map.of("TLS_CERT_FILE", cert.toString(), "TLS_KEY_FILE", garbage.toString()));
    assertExits2Naming(
        "TLS_CERT_FILE",
        Map.of(
            "TLS_CERT_FILE",
            dir.resolve("missing.pem").toString(),
            "TLS_KEY_FILE",
            otherKey.toString()));
  }

  /**
   * The OpenTelemetry SDK's own variables are checked when tracing is on, before anything starts:
   * one line naming the variable, exit code 2, nothing on stdout.
   */
  @Test
  void badOpenTelemetryVariableExits2() {
    assertExits2Naming(
        "otel.traces.sampler",
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://127.0.0.1:4318",
            "OTEL_TRACES_SAMPLER",
            "often"));
    // The SDK's own words are "Unexpected configuration error"; the line adds what its cause says.
    assertExits2Naming(
        "GrpcSender",
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://127.0.0.1:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "grpc"));
  }

  private static void assertExits2Naming(String setting, Map<String, String> env) {
    ProxyProcess.Run run = ProxyProcess.run(List.of(), env, RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains(setting), "stderr must name " + setting + "; " + run);
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }
}
