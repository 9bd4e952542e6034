package io.github.redisproxy.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import reactor.netty.http.server.logging.AccessLog;
import reactor.netty.http.server.logging.AccessLogArgProvider;

/**
 * The access log line (ACCESS_LOG=true): the combined log format that log tools already parse, plus
 * the {@code X-Cache} answer and the time taken in milliseconds, for example
 *
 * <pre>
 * 127.0.0.1 - - [02/Dec/2026:08:15:03 +0000] "GET /user:42 HTTP/1.1" 200 5 "-" "curl/7.88.1" HIT 0
 * </pre>
 *
 * <p>Reactor Netty writes it through the SLF4J logger {@code reactor.netty.http.server.AccessLog}
 * at INFO, after the response has been sent, so it costs the request nothing while it waits.
 */
final class AccessLogFormat {
  private static final String COMBINED_PLUS = "{} - {} [{}] \"{} {} {}\" {} {} \"{}\" \"{}\" {} {}";

  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

  private AccessLogFormat() {}

  static AccessLog format(AccessLogArgProvider args) {
    return AccessLog.create(
        COMBINED_PLUS,
        args.connectionInformation() == null
            ? "-"
            : host(args.connectionInformation().remoteAddress()),
        orDash(args.user()),
        args.accessDateTime() == null ? "-" : CLF_TIME.format(args.accessDateTime()),
        args.method(),
        args.uri(),
        args.protocol(),
        args.status(),
        args.contentLength() < 0 ? "-" : args.contentLength(),
        orDash(args.requestHeader("Referer")),
        orDash(args.requestHeader("User-Agent")),
        orDash(args.responseHeader("X-Cache")),
        args.duration());
  }

  private static String host(SocketAddress address) {
    return address instanceof InetSocketAddress inet
        ? inet.getHostString()
        : String.valueOf(address);
  }

  private static Object orDash(Object value) {
    return value == null ? "-" : value;
  }
}
