package io.github.redisproxy.app;

/**
 * Configures slf4j-simple before the first logger exists: one line per event on standard output,
 * the proxy's own loggers at {@code LOG_LEVEL}, libraries at {@code warn}, and at {@code error} the
 * few library loggers that would repeat per request or per reconnect attempt what the proxy logs
 * once (a failed load is answered, not logged; a lost connection is logged once when lost and once
 * when back).
 */
final class Logging {
  private Logging() {}

  static void configure(String level, boolean accessLog) {
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.out");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
    setIfAbsent("org.slf4j.simpleLogger.log.io.github.redisproxy", level);
    setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.reactor.netty", "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.io.lettuce", "warn");
    // Each of these repeats what the proxy already logs once, or logs per request or per retry.
    setIfAbsent("org.slf4j.simpleLogger.log.io.lettuce.core.protocol.ConnectionWatchdog", "error");
    setIfAbsent(
        "org.slf4j.simpleLogger.log.reactor.netty.http.server.HttpServerOperations", "error");
    setIfAbsent("org.slf4j.simpleLogger.log.com.github.benmanes.caffeine", "error");
    // A failed TLS handshake on the HTTP port (clear text, TLS 1.1, a missing client certificate)
    // is logged here with a stack trace, per connection: any client could fill the disk. The proxy
    // counts them instead (redis_proxy_tls_handshake_failures_total).
    setIfAbsent(
        "org.slf4j.simpleLogger.log.io.netty.handler.ssl.ApplicationProtocolNegotiationHandler",
        "error");
    // Netty logs at ERROR when a task is handed to an event loop that is already shut down. In this
    // process event loops shut down only while the proxy stops, where a Redis reconnect attempt in
    // flight can race Lettuce's own shutdown (seen once in CI, with Redis down); the proxy's
    // shutdown steps are logged on their own.
    setIfAbsent(
        "org.slf4j.simpleLogger.log.io.netty.util.concurrent.DefaultPromise.rejectedExecution",
        "off");
    // Reactor Netty writes the access log (ACCESS_LOG=true) through this logger, one INFO line per
    // request.
    setIfAbsent(
        "org.slf4j.simpleLogger.log.reactor.netty.http.server.AccessLog",
        accessLog ? "info" : "off");
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
