package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A setting that cannot be used stops the proxy before it starts: one line on stderr naming it,
 * exit code 2.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
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
  void a_bad_environment_value_prints_one_line_naming_the_setting_and_exits_2(
      String setting, String value) {
    ProxyProcess.Run run = ProxyProcess.run(List.of(), Map.of(setting, value), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains(setting), "stderr must name " + setting + "; " + run);
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }

  @Test
  void a_bad_flag_value_names_the_setting_and_exits_2() {
    ProxyProcess.Run run =
        ProxyProcess.run(List.of("--cache-capacity=lots"), Map.of(), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains("CACHE_CAPACITY"), run.toString());
  }

  @Test
  void an_unknown_flag_is_named_on_one_line_and_exits_2() {
    ProxyProcess.Run run = ProxyProcess.run(List.of("--nope=1"), Map.of(), RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(run.stderr().get(0).contains("--nope"), run.toString());
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }

  @Test
  void help_lists_every_setting_and_exits_0() {
    ProxyProcess.Run run = ProxyProcess.run(List.of("--help"), Map.of(), RUN_TIMEOUT);

    assertEquals(0, run.exitCode(), "exit code; " + run);
    String help = String.join("\n", run.stdout());
    for (String setting : SETTINGS) {
      assertTrue(help.contains(setting), "--help must list " + setting + ":\n" + help);
    }
    assertTrue(run.stderr().isEmpty(), "nothing on stderr; " + run);
  }
}
