package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class ProxyLogTest {
  private static final String INFO = "12:00:00.000 [main] INFO ProxyServer - Listening for HTTP";
  private static final String ERROR =
      "12:00:01.000 [loop-1] ERROR RespServer - unexpected failure on a connection";
  private static final String LEAK = "12:00:02.000 [loop-1] ERROR ResourceLeakDetector - LEAK: x";

  /** A log with an ERROR line fails the check; one without passes it. */
  @Test
  void unexpectedErrorFails() {
    logOf(List.of(), INFO).assertNoErrors();
    AssertionFailedError failure =
        assertThrows(
            AssertionFailedError.class, () -> logOf(List.of(), INFO, ERROR).assertNoErrors());
    assertTrue(
        failure.getMessage().contains("unexpected failure on a connection"), failure.getMessage());
  }

  /**
   * An ERROR line that a pattern the proxy was started with finds is no failure; others still are.
   */
  @Test
  void expectedErrorPasses() {
    List<Pattern> expected = List.of(Pattern.compile("RespServer - unexpected failure"));
    logOf(expected, INFO, ERROR).assertNoErrors();
    assertThrows(
        AssertionFailedError.class, () -> logOf(expected, INFO, ERROR, LEAK).assertNoErrors());
  }

  /** Only the lines after a mark count for {@link ProxyLog#assertNoErrorsSince}. */
  @Test
  void errorsBeforeTheMarkAreNotCounted() {
    ProxyLog log = logOf(List.of(), ERROR, INFO);
    log.assertNoErrorsSince(1);
    assertThrows(AssertionFailedError.class, () -> log.assertNoErrorsSince(0));
  }

  /** {@link ProxyLog#awaitLog} returns the matching lines once there are enough of them. */
  @Test
  void awaitLogReturnsTheMatchingLines() {
    ProxyLog log = logOf(List.of(), INFO, ERROR, INFO);
    assertEquals(
        List.of(INFO, INFO), log.awaitLog(Pattern.compile("Listening"), 2, Duration.ofSeconds(1)));
    assertThrows(
        AssertionFailedError.class,
        () -> log.awaitLog(Pattern.compile("Listening"), 3, Duration.ofMillis(50)));
  }

  private static ProxyLog logOf(List<Pattern> expectedErrors, String... lines) {
    ProxyLog log = new ProxyLog(expectedErrors, () -> false);
    byte[] text = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    log.collect(new ByteArrayInputStream(text), "proxy-log-test");
    log.awaitEnd();
    return log;
  }
}
