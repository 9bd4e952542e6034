package io.github.redisproxy.app;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * {@code %jdkStackTrace} in logback.xml: an event's throwable exactly as {@link
 * Throwable#printStackTrace()} writes it, which is how the text format has always shown stack
 * traces (Logback's own {@code %ex} words them differently: "... 5 common frames omitted" where the
 * JDK writes "... 5 more"). Empty when the event has none.
 */
public final class JdkStackTraceConverter extends ThrowableHandlingConverter {
  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy proxy = event.getThrowableProxy();
    if (!(proxy instanceof ThrowableProxy throwable)) {
      return "";
    }
    StringWriter trace = new StringWriter();
    try (PrintWriter out = new PrintWriter(trace)) {
      throwable.getThrowable().printStackTrace(out);
    }
    return trace.toString();
  }
}
