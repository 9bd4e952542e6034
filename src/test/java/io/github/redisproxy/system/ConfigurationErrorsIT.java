package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
          "LOG_LEVEL");

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
}
