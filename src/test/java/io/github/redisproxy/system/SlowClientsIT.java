package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * Clients that are slow on purpose cannot hold the proxy: an HTTP request whose headers trickle in
 * is closed after REQUEST_HEADER_TIMEOUT (1 s here) although it is never silent for long, and a
 * RESP client that stops reading its replies is disconnected once RESP_MAX_PENDING_REPLY_BYTES (4
 * MB here) wait for it. Clients that are merely idle between requests, or read as fast as they ask,
 * are not touched.
 */
class SlowClientsIT {
  private static final byte[] MEGABYTE = new byte[1024 * 1024];

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .resp()
          .env("REQUEST_HEADER_TIMEOUT", "1")
          .env("IDLE_TIMEOUT", "30")
          .env("RESP_MAX_PENDING_REPLY_BYTES", "4m")
          .build();

  /** A header every 200 ms: never idle, never complete; closed after 1 s (not before), counted. */
  @Test
  void headersThatTrickleInAreCutOffAfterTheTimeout() throws IOException {
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      assertTrickledHeadersAreCutOff(socket);
    }
    awaitOneMoreTimeoutCounted(before);
  }

  /**
   * On a keep-alive connection, a second request's headers get their own full timeout: its clock
   * starts at its own first byte, not at the first request's, whose timer is still pending.
   */
  @Test
  void aLaterRequestOnTheConnectionGetsItsOwnTimeout() throws Exception {
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(ascii("GET /slow:absent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      assertThat(statusLine(in)).isEqualTo("HTTP/1.1 404 Not Found");
      Thread.sleep(500); // the first request's timer fires 0.5 s into the second one

      assertTrickledHeadersAreCutOff(socket);
    }
    awaitOneMoreTimeoutCounted(before);
  }

  /**
   * Starts a request on {@code socket} and sends a header every 200 ms, never completing it: the
   * proxy must close the connection after the 1 s timeout, counted from the request's first byte,
   * and not before.
   */
  private static void assertTrickledHeadersAreCutOff(Socket socket) throws IOException {
    socket.setSoTimeout(200);
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    long start = System.nanoTime();
    out.write(ascii("GET /slow:k HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    Duration open = null;
    for (int header = 0; open == null && header < 100; header++) {
      try {
        out.write(ascii("X-Slow-" + header + ": a\r\n"));
        if (in.read() < 0) {
          open = Duration.ofNanos(System.nanoTime() - start);
        }
      } catch (SocketTimeoutException stillOpen) {
        // 200 ms without an answer: send the next header
      } catch (IOException reset) {
        open = Duration.ofNanos(System.nanoTime() - start);
      }
    }
    assertThat(open).as("closed within 20 s").isNotNull();
    assertThat(open).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
  }

  private static void awaitOneMoreTimeoutCounted(double before) {
    Polling.until(
        Duration.ofSeconds(10),
        "the closure to be counted",
        () -> metric("redis_proxy_http_request_header_timeouts_total"),
        count -> count == before + 1);
  }

  /**
   * Slow but in time: served. Idle between keep-alive requests for longer than the timeout: served
   * again on the same connection.
   */
  @Test
  void slowButCompleteHeadersAndIdleKeepAliveConnectionsAreServed() throws Exception {
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(ascii("GET /slow:absent HTTP/1.1\r\n"));
      Thread.sleep(300);
      out.write(ascii("Host: 127.0.0.1\r\n"));
      Thread.sleep(300);
      out.write(ascii("\r\n"));
      assertThat(statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 404 Not Found");

      Thread.sleep(2_500); // idle, with nothing armed: only IDLE_TIMEOUT (30 s) applies
      out.write(ascii("GET /slow:absent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      assertThat(statusLine(socket.getInputStream())).isEqualTo("HTTP/1.1 404 Not Found");
    }
    assertThat(metric("redis_proxy_http_request_header_timeouts_total")).isEqualTo(before);
  }

  /**
   * A request whose headers arrived whole is not cut off while it waits, pipelined, behind a
   * response that takes longer than the timeout to deliver (16 MB to a client that pauses).
   */
  @Test
  void aPipelinedRequestWaitingBehindALongResponseIsServed() throws Exception {
    redis.binary().set(ascii("slow:large"), new byte[16 * MEGABYTE.length]);
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096); // before connect: the window stays small
      socket.connect(
          new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      out.write(ascii("GET /slow:large HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      in.mark(1);
      assertThat(in.read()).as("the first response has begun").isGreaterThanOrEqualTo(0);
      in.reset();
      out.write(ascii("GET /slow:absent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

      Thread.sleep(2_500); // the second request waits more than the 1 s timeout: 16 MB do not fit
      // in the socket buffers while this client does not read

      assertThat(statusLine(in)).isEqualTo("HTTP/1.1 200 OK");
      assertThat(statusLine(in)).isEqualTo("HTTP/1.1 404 Not Found");
    }
    assertThat(metric("redis_proxy_http_request_header_timeouts_total")).isEqualTo(before);
  }

  /** An h2c connection idle between streams for longer than the timeout is kept. */
  @Test
  void anH2cConnectionIdleBetweenStreamsIsKept() throws Exception {
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    HttpClient h2c =
        HttpClient.create().protocol(HttpProtocol.H2C).baseUrl("http://127.0.0.1:" + proxy.port());

    int first =
        h2c.get().uri("/slow:absent").response().block(Duration.ofSeconds(10)).status().code();
    Thread.sleep(2_500);
    int second =
        h2c.get().uri("/slow:absent").response().block(Duration.ofSeconds(10)).status().code();

    assertThat(first).isEqualTo(404);
    assertThat(second).isEqualTo(404);
    assertThat(metric("redis_proxy_http_request_header_timeouts_total")).isEqualTo(before);
  }

  /**
   * An h2c connection by prior knowledge that has sent its preface and no request yet is HTTP/2:
   * left to IDLE_TIMEOUT, still there and answering a PING after more than the timeout.
   */
  @Test
  void anH2cConnectionWithoutARequestYetIsLeftToTheIdleTimeout() throws Exception {
    double before = metric("redis_proxy_http_request_header_timeouts_total");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame

      Thread.sleep(2_500); // more than the 1 s timeout without a request

      out.write(new byte[] {0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}); // PING
      DataInputStream in = new DataInputStream(socket.getInputStream());
      boolean pingAcknowledged = false;
      while (!pingAcknowledged) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte(); // EOF: closed
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt(); // stream
        in.readNBytes(length);
        pingAcknowledged = type == 6 && (flags & 1) == 1;
      }
    }
    assertThat(metric("redis_proxy_http_request_header_timeouts_total")).isEqualTo(before);
  }

  /**
   * 64 pipelined GETs of a 1 MB value, and the client reads nothing: disconnected once 4 MB wait,
   * counted; the proxy goes on serving others.
   */
  @Test
  void aClientThatStopsReadingIsDisconnected() throws IOException {
    redis.binary().set(ascii("slow:big"), MEGABYTE);
    double before = metric("redis_proxy_resp_reply_buffer_closes_total");
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(
          new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.respPort()));
      byte[] get = RawResp.command("GET", "slow:big");
      byte[] pipeline = new byte[get.length * 64];
      for (int i = 0; i < 64; i++) {
        System.arraycopy(get, 0, pipeline, i * get.length, get.length);
      }
      socket.getOutputStream().write(pipeline);

      Polling.until(
          Duration.ofSeconds(15),
          "the slow reader to be disconnected",
          () -> metric("redis_proxy_resp_reply_buffer_closes_total"),
          count -> count == before + 1);
      assertThat(readsToTheEnd(socket))
          .as("bytes the client got before the close")
          .isLessThan(64L * MEGABYTE.length);
    }
    try (RawResp other = RawResp.connect(proxy.respPort())) {
      assertThat(other.call("PING")).isEqualTo(RawResp.simple("PONG"));
    }
    assertThat(proxy.management().get("/health").statusCode()).isEqualTo(200);
    Polling.until(
        Duration.ofSeconds(10),
        "the closed connection to be gone",
        () -> metric("redis_proxy_connections{frontend=\"resp\"}"),
        open -> open == 0);
  }

  /** A client that reads each reply before asking again moves 20 MB through a 4 MB limit. */
  @Test
  void aClientThatReadsIsNeverDisconnected() throws IOException {
    redis.binary().set(ascii("slow:big"), MEGABYTE);
    double before = metric("redis_proxy_resp_reply_buffer_closes_total");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.respPort())) {
      socket.setSoTimeout(10_000);
      byte[] header = ascii("$" + MEGABYTE.length + "\r\n");
      for (int i = 0; i < 20; i++) {
        socket.getOutputStream().write(RawResp.command("GET", "slow:big"));
        byte[] reply = socket.getInputStream().readNBytes(header.length + MEGABYTE.length + 2);
        assertThat(Arrays.copyOf(reply, header.length)).as("reply " + i).isEqualTo(header);
      }
    }
    assertThat(metric("redis_proxy_resp_reply_buffer_closes_total")).isEqualTo(before);
  }

  private static long readsToTheEnd(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    long total = 0;
    byte[] buffer = new byte[64 * 1024];
    try {
      for (int n = socket.getInputStream().read(buffer);
          n >= 0;
          n = socket.getInputStream().read(buffer)) {
        total += n;
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection was still open after " + total + " bytes", e);
    } catch (IOException reset) {
      // closed with a reset: the end too
    }
    return total;
  }

  /** The status line of the next response on {@code in}, whose headers and body are read. */
  private static String statusLine(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    String text = head.toString();
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    in.readNBytes(length);
    return text.substring(0, text.indexOf("\r\n"));
  }

  private static double metric(String series) {
    return proxy.management().metric(series);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
