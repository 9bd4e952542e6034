package io.github.redisproxy.app;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures Logback before the first logger exists, through the system properties that {@code
 * logback.xml} reads: one event per line on standard output, as text ({@code
 * 2026-12-04T07:42:38.841Z [main] WARN ProxyServer - message}) or, with {@code LOG_FORMAT=json}, as
 * one JSON object; the proxy's own loggers at {@code LOG_LEVEL}, the access log on with {@code
 * ACCESS_LOG}. logback.xml also holds the library loggers' levels ({@code warn}, and {@code error}
 * for the few that would repeat per request or per reconnect attempt what the proxy logs once).
 *
 * <p>A property already set on the command line wins, as does a whole configuration given with
 * {@code -Dlogback.configurationFile}.
 */
final class Logging {
  private Logging() {}

  static void configure(String format, String level, boolean accessLog) {
    setIfAbsent("redisproxy.log.format", format);
    setIfAbsent("redisproxy.log.level", level);
    setIfAbsent("redisproxy.log.access", accessLog ? "INFO" : "OFF");
    // java.util.logging (OpenTelemetry's SDK) through SLF4J too, instead of JUL's own stderr
    // format. logback.xml's LevelChangePropagator keeps JUL's levels equal to Logback's, so a JUL
    // call below the level costs what an SLF4J one does.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
