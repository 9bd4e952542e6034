package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection limits on the client ports: MAX_CONNECTIONS (3 here) open at once, more closed as soon
 * as they are accepted and counted; IDLE_TIMEOUT (1 s, on the second proxy) closes a silent
 * connection; a header block over 16 KB gets 431.
 */
class ConnectionLimitsIT {
  private static final int MAX = 3;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension limited =
      ProxyExtension.builder()
          .redis(redis)
          .resp()
          .env("MAX_CONNECTIONS", Integer.toString(MAX))
          // Long enough for a test's own connections; short enough that a keep-alive connection
          // the test fixture left open (its readiness checks) is gone before a test counts.
          .env("IDLE_TIMEOUT", "5")
          .build();

  @RegisterExtension
  @Order(3)
  static final ProxyExtension idle =
      ProxyExtension.builder().redis(redis).resp().env("IDLE_TIMEOUT", "1").build();

  private static double rejected(String frontEnd) {
    return limited
        .management()
        .metric("redis_proxy_connections_rejected_total{frontend=\"" + frontEnd + "\"}");
  }

  /** Waits until no client connection is open on the port (earlier tests' have closed). */
  private static void awaitNoConnections(String frontEnd) {
    Polling.until(
        Duration.ofSeconds(15),
        "no open " + frontEnd + " connection",
        () -> limited.management().metric("redis_proxy_connections{frontend=\"" + frontEnd + "\"}"),
        open -> open == 0);
  }

  /** Whether the proxy closed this fresh connection without answering a request sent on it. */
  private static boolean closedUnanswered(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      try {
        socket.getOutputStream().write(request);
        return socket.getInputStream().read() < 0;
      } catch (IOException e) {
        return true; // reset: closed too
      }
    }
  }

  @Test
  void httpConnectionsBeyondTheLimitAreClosedAtOnceAndCounted() throws IOException {
    awaitNoConnections("http");
    double before = rejected("http");
    List<RawHttp.KeepAlive> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX; i++) {
        RawHttp.KeepAlive connection =
            new RawHttp.KeepAlive(limited.port(), Duration.ofSeconds(10));
        open.add(connection);
        assertEquals(404, connection.get("/limits:absent").status(), "connection " + (i + 1));
      }

      assertTrue(closedUnanswered(limited.port(), RawHttp.head("GET", "/limits:absent")));
      assertEquals(before + 1, rejected("http"));

      open.remove(0).close();
      Polling.until(
          Duration.ofSeconds(10),
          "a place freed by a closed connection",
          () -> RawHttp.request(limited.port(), "GET", "/limits:absent").status(),
          status -> status == 404);
    } finally {
      open.forEach(RawHttp.KeepAlive::close);
    }
  }

  @Test
  void respConnectionsBeyondTheLimitAreClosedAtOnceAndCounted() throws IOException {
    awaitNoConnections("resp");
    double before = rejected("resp");
    List<RawResp> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX; i++) {
        RawResp connection = RawResp.connect(limited.respPort());
        open.add(connection);
        assertEquals(RawResp.simple("PONG"), connection.call("PING"));
      }

      assertTrue(closedUnanswered(limited.respPort(), RawResp.command("PING")));
      assertEquals(before + 1, rejected("resp"));
    } finally {
      open.forEach(RawResp::close);
    }
  }

  /** Closed after 1 s of silence (not before), on both ports. */
  @Test
  void aSilentConnectionIsClosedAfterTheIdleTimeout() throws IOException {
    for (int port : new int[] {idle.port(), idle.respPort()}) {
      byte[] request =
          port == idle.port() ? keepAliveGet("/limits:absent") : RawResp.command("PING");
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(request);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        assertTrue(in.read(buffer) > 0, "answered on port " + port);
        long silentFrom = System.nanoTime();
        int n;
        try {
          while ((n = in.read(buffer)) >= 0) {
            assertTrue(n >= 0);
          }
        } catch (SocketTimeoutException e) {
          throw new AssertionError("still open after 10 s of silence on port " + port, e);
        } catch (IOException e) {
          // a reset also ends it
        }
        Duration silent = Duration.ofNanos(System.nanoTime() - silentFrom);
        assertTrue(
            silent.compareTo(Duration.ofMillis(900)) >= 0,
            "closed after " + silent + " on port " + port);
      }
    }
  }

  @Test
  void headersUpTo16KilobytesAreAcceptedAndMoreGet431() {
    // On the other proxy: the limited one's HTTP port is kept for the limit test alone.
    RawHttp.Response fits =
        RawHttp.exchange(idle.port(), withHeader(10_000), false, Duration.ofSeconds(10));
    RawHttp.Response tooLarge =
        RawHttp.exchange(idle.port(), withHeader(20_000), false, Duration.ofSeconds(10));

    assertEquals(404, fits.status());
    assertEquals(431, tooLarge.status());
  }

  private static byte[] keepAliveGet(String target) {
    return ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] withHeader(int length) {
    return ("GET /limits:absent HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: "
            + "a".repeat(length)
            + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }
}
