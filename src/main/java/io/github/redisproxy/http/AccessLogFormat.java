package io.github.redisproxy.http;

import static net.logstash.logback.argument.StructuredArguments.value;

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
 *
 * <p>Each known value is also a structured argument: in the text line it is just the value, and
 * with {@code LOG_FORMAT=json} it is also a field of its own ({@code remote_address}, {@code user},
 * {@code method}, {@code uri}, {@code protocol}, {@code status}, {@code content_length}, {@code
 * referer}, {@code user_agent}, {@code cache}, {@code duration_ms}). A value the request lacks is
 * written "-" in the line and is no field; the request's time is the event's own {@code time}.
 */
final class AccessLogFormat {
  private static final String COMBINED_PLUS = "{} - {} [{}] \"{} {} {}\" {} {} \"{}\" \"{}\" {} {}";

  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

  private AccessLogFormat() {}

  static AccessLog format(AccessLogArgProvider args) {
    CharSequence status = args.status();
    return AccessLog.create(
        COMBINED_PLUS,
        args.connectionInformation() == null
            ? "-"
            : value("remote_address", host(args.connectionInformation().remoteAddress())),
        // Reactor Netty gives "-" when the request named no user.
        "-".equals(args.user()) ? "-" : field("user", args.user()),
        args.accessDateTime() == null ? "-" : CLF_TIME.format(args.accessDateTime()),
        field("method", args.method()),
        field("uri", args.uri()),
        field("protocol", args.protocol()),
        status == null ? null : value("status", Integer.parseInt(status, 0, status.length(), 10)),
        args.contentLength() < 0 ? "-" : value("content_length", args.contentLength()),
        field("referer", args.requestHeader("Referer")),
        field("user_agent", args.requestHeader("User-Agent")),
        field("cache", args.responseHeader("X-Cache")),
        value("duration_ms", args.duration()));
  }

  private static String host(SocketAddress address) {
    return address instanceof InetSocketAddress inet
        ? inet.getHostString()
        : String.valueOf(address);
  }

  /** "-" for a missing value (no field); else the value, also as the field {@code name}. */
  private static Object field(String name, CharSequence value) {
    return value == null ? "-" : value(name, value.toString());
  }
}
