package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idle keep-alive connections are parked on the event loops: they cost memory, never a thread each.
 */
class IdleConnectionsIT {
  private static final int CONNECTIONS = 2_000;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  /** Two thousand idle keep-alive connections add no threads and the proxy keeps serving. */
  @Test
  void idleConnectionsAddNoThreads() throws Exception {
    redis.commands().set("idle", "v");
    ProxyClient http = proxy.http();
    assertEquals(200, http.get("/idle").statusCode());
    int threadsBefore = threads(proxy.process().pid());

    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        idle.add(socket);
        assertEquals("HTTP/1.1 200 OK", requestOnce(socket));
      }
      int threadsWithIdleConnections = threads(proxy.process().pid());

      // JIT compiler threads may come and go; a thread per connection would add thousands.
      assertTrue(
          threadsWithIdleConnections < threadsBefore + 10,
          "threads before: "
              + threadsBefore
              + ", with "
              + CONNECTIONS
              + " idle connections: "
              + threadsWithIdleConnections);
      assertEquals(200, http.get("/idle").statusCode());
      assertEquals("HTTP/1.1 200 OK", requestOnce(idle.get(0))); // the oldest one is still usable
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  /**
   * Sends one keep-alive GET and reads its response without closing the connection; returns the
   * status line.
   */
  private static String requestOnce(Socket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write("GET /idle HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    int body = Integer.parseInt(head.toString().replaceAll("(?s).*content-length: (\\d+).*", "$1"));
    in.readNBytes(body);
    return head.substring(0, head.indexOf("\r\n"));
  }

  private static int threads(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(line -> line.startsWith("Threads:"))
        .map(line -> Integer.parseInt(line.substring("Threads:".length()).trim()))
        .findFirst()
        .orElseThrow();
  }
}
