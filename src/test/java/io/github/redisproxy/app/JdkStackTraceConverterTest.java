package io.github.redisproxy.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class JdkStackTraceConverterTest {
  private final LoggerContext context = new LoggerContext();

  @Test
  void stackTraceIsWrittenAsTheJdkPrintsIt() {
    IllegalStateException failure =
        new IllegalStateException("outer", new IllegalArgumentException("inner"));
    failure.addSuppressed(new RuntimeException("suppressed"));
    StringWriter expected = new StringWriter();
    failure.printStackTrace(new PrintWriter(expected, true));

    assertThat(new JdkStackTraceConverter().convert(event(failure)))
        .isEqualTo(expected.toString())
        .contains("\tat ", "Caused by: java.lang.IllegalArgumentException: inner", " more");
  }

  @Test
  void eventWithoutThrowableAddsNothing() {
    assertThat(new JdkStackTraceConverter().convert(event(null))).isEmpty();
  }

  private LoggingEvent event(Throwable throwable) {
    return new LoggingEvent(
        "test", context.getLogger("test"), Level.ERROR, "message", throwable, null);
  }
}
