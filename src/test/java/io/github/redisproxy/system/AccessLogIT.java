package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ACCESS_LOG=true: one line per request on the proxy port, in the combined log format plus the
 * X-Cache answer and the milliseconds taken, for example
 *
 * <pre>
 * 127.0.0.1 - - [02/Dec/2026:08:15:03 +0000] "GET /user:42 HTTP/1.1" 200 5 "-" "curl/7.88.1" HIT 3
 * </pre>
 *
 * <p>written by the logger {@code AccessLog} at INFO. By default there is no such line.
 */
class AccessLogIT {
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  /** How much longer than the client's wait the proxy's own measure of a request may be. */
  private static final Duration SLACK = Duration.ofMillis(100);

  /** A whole stdout line holding an access log line; every field captured. */
  private static final Pattern ACCESS_LINE =
      Pattern.compile(
          "^\\S+ \\[[^\\]]+\\] INFO AccessLog - "
              + "(?<remote>\\S+) - (?<user>\\S+) "
              + "\\[(?<time>\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})\\] "
              + "\"(?<method>[A-Z]+) (?<target>\\S+) (?<protocol>HTTP/\\d\\.\\d)\" "
              + "(?<status>\\d{3}) (?<bytes>\\d+) "
              + "\"(?<referer>[^\"]*)\" \"(?<agent>[^\"]*)\" "
              + "(?<cache>HIT|MISS|-) (?<millis>\\d+)$");

  private static final Pattern ANY_ACCESS_LINE = Pattern.compile(" AccessLog - ");

  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** One request as sent, its response, and how long the client waited for all of it. */
  private record Exchange(
      String method,
      String target,
      String userAgent,
      String referer,
      RawHttp.Response response,
      long elapsedMillis) {}

  /**
   * With ACCESS_LOG, a miss, a hit, a 404 and a 405 are each logged once, in the combined format
   * plus X-Cache and ms.
   */
  @Test
  void accessLogHasOneCombinedLinePerRequest() {
    redis.commands().set("access:cached", "cached value");
    ProxyProcess proxy = ProxyExtension.builder().redis(redis).env("ACCESS_LOG", "true").start();
    try {
      List<Exchange> exchanges = new ArrayList<>();
      exchanges.add(
          send(
              proxy,
              "GET",
              "/access:cached",
              "AccessLogIT/1.0 (miss)",
              "http://referer.test/page?a=1"));
      exchanges.add(send(proxy, "GET", "/access:cached", "AccessLogIT/1.0 (hit)", null));
      exchanges.add(send(proxy, "GET", "/access:absent", "AccessLogIT/1.0 (not found)", null));
      exchanges.add(send(proxy, "POST", "/access:posted", "AccessLogIT/1.0 (not allowed)", null));
      assertEquals(
          List.of(200, 200, 404, 405),
          exchanges.stream().map(exchange -> exchange.response().status()).toList());
      assertEquals(Optional.of("MISS"), exchanges.get(0).response().header("X-Cache"));
      assertEquals(Optional.of("HIT"), exchanges.get(1).response().header("X-Cache"));
      // The management port is not the proxy port: its requests are not in the access log.
      ProxyClient management = new ProxyClient(proxy.managementPort());
      assertEquals(200, management.get("/health/live").statusCode());

      for (Exchange exchange : exchanges) {
        String line = proxy.awaitLog(byUserAgent(exchange.userAgent()), 1, LOG_TIMEOUT).get(0);
        assertAccessLine(exchange, line);
      }
      String marker = "AccessLogIT/1.0 (last)";
      send(proxy, "GET", "/access:last", marker, null);
      proxy.awaitLog(byUserAgent(marker), 1, LOG_TIMEOUT);

      for (Exchange exchange : exchanges) {
        assertEquals(
            1,
            proxy.linesMatching(byUserAgent(exchange.userAgent())).size(),
            "access lines for " + exchange.userAgent());
      }
      List<String> accessLines = proxy.linesMatching(ANY_ACCESS_LINE);
      assertEquals(
          exchanges.size() + 1 + backendReadyProbes(accessLines),
          accessLines.size(),
          "one access line per proxy-port request, none for the management port: " + accessLines);
    } finally {
      proxy.closeAndAssertNoErrorsLogged();
    }
  }

  @Test
  void noRequestIsLoggedByDefault() {
    redis.commands().set("quiet:cached", "cached value");
    ProxyProcess proxy = ProxyExtension.builder().redis(redis).start();
    try {
      assertEquals(
          200,
          send(proxy, "GET", "/quiet:cached", "AccessLogIT/1.0 (miss)", null).response().status());
      assertEquals(
          200,
          send(proxy, "GET", "/quiet:cached", "AccessLogIT/1.0 (hit)", null).response().status());
      assertEquals(
          404,
          send(proxy, "GET", "/quiet:absent", "AccessLogIT/1.0 (not found)", null)
              .response()
              .status());
      assertEquals(
          405,
          send(proxy, "POST", "/quiet:posted", "AccessLogIT/1.0 (not allowed)", null)
              .response()
              .status());
      // A line the proxy writes after all four requests were answered: were there access lines,
      // they came before it.
      ProxyClient management = new ProxyClient(proxy.managementPort());
      assertEquals(200, management.send("DELETE", "/cache/quiet:marker").statusCode());
      proxy.awaitLog(Pattern.compile("Purged key=quiet:marker "), 1, LOG_TIMEOUT);

      assertEquals(List.of(), proxy.linesMatching(ANY_ACCESS_LINE));
    } finally {
      proxy.closeAndAssertNoErrorsLogged();
    }
  }

  private static void assertAccessLine(Exchange exchange, String line) {
    Matcher fields = ACCESS_LINE.matcher(line);
    assertTrue(fields.matches(), "not an access log line in the expected format: " + line);
    RawHttp.Response response = exchange.response();
    assertEquals("127.0.0.1", fields.group("remote"), line);
    assertEquals("-", fields.group("user"), line);
    ZonedDateTime time = ZonedDateTime.parse(fields.group("time"), CLF_TIME);
    Duration age = Duration.between(time.toInstant(), Instant.now()).abs();
    assertTrue(
        age.compareTo(Duration.ofMinutes(1)) < 0, "the time is now (within a minute): " + line);
    assertEquals(exchange.method(), fields.group("method"), line);
    assertEquals(exchange.target(), fields.group("target"), line);
    assertEquals("HTTP/1.1", fields.group("protocol"), line);
    assertEquals(response.status(), Integer.parseInt(fields.group("status")), line);
    assertEquals(
        response.body().length,
        Integer.parseInt(fields.group("bytes")),
        "bytes = the body's length: " + line);
    assertEquals(
        exchange.referer() == null ? "-" : exchange.referer(), fields.group("referer"), line);
    assertEquals(exchange.userAgent(), fields.group("agent"), line);
    assertEquals(response.header("X-Cache").orElse("-"), fields.group("cache"), line);
    // Milliseconds, so about as long as the client waited: the proxy's clock stops when it has
    // written the response, which may be a moment after the client has read it.
    long millis = Long.parseLong(fields.group("millis"));
    assertTrue(
        millis <= exchange.elapsedMillis() + SLACK.toMillis(),
        "the proxy took "
            + millis
            + " ms; the client waited "
            + exchange.elapsedMillis()
            + " ms: "
            + line);
  }

  /**
   * The access lines of {@link ProxyProcess#awaitBackendReady()}'s own requests, which precede the
   * test's.
   */
  private static int backendReadyProbes(List<String> accessLines) {
    return (int)
        accessLines.stream()
            .filter(line -> line.contains("\"GET /it:backend-ready HTTP/1.1\""))
            .count();
  }

  private static Pattern byUserAgent(String userAgent) {
    return Pattern.compile(
        " AccessLog - .* \"" + Pattern.quote(userAgent) + "\" (?:HIT|MISS|-) \\d+$");
  }

  /**
   * One request on its own connection ({@code Connection: close}), with this User-Agent and Referer
   * (or none).
   */
  private static Exchange send(
      ProxyProcess proxy, String method, String target, String userAgent, String referer) {
    String head =
        method
            + " "
            + target
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: "
            + userAgent
            + "\r\n"
            + (referer == null ? "" : "Referer: " + referer + "\r\n")
            + "Connection: close\r\n\r\n";
    long start = System.nanoTime();
    RawHttp.Response response =
        RawHttp.exchange(
            proxy.port(),
            head.getBytes(StandardCharsets.ISO_8859_1),
            method.equals("HEAD"),
            READ_TIMEOUT);
    long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
    return new Exchange(method, target, userAgent, referer, response, elapsedMillis);
  }
}
