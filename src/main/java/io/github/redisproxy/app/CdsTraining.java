package io.github.redisproxy.app;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.config.ConfigException;
import io.github.redisproxy.config.ConfigLoader;
import io.github.redisproxy.config.ProxyConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code java -XX:ArchiveClassesAtExit=redis-proxy.jsa -jar redis-proxy.jar cds-training}: a
 * training run for an AppCDS archive. It starts the proxy on an embedded Redis, sends it one
 * request of each kind (a miss, a hit, an absent key, RESP, the management endpoints), stops it and
 * exits, so that the JVM writes down every class a start-up and the first requests load. A proxy
 * started with {@code -XX:SharedArchiveFile=redis-proxy.jsa} maps those classes instead of loading,
 * verifying and linking them one by one, which is most of its start-up time. The build runs this
 * after it packages the jar.
 *
 * <p>The requests go over plain sockets, not an HTTP or Redis client, so that the archive holds the
 * proxy's classes and not a client's.
 */
final class CdsTraining {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final String KEY = "cds-training";

  private CdsTraining() {}

  /**
   * Returns the exit code: 0 when every request got the answer it should, else 1 (the reason on
   * {@code err}).
   */
  static int run(PrintStream err) {
    // Before anything logs: the first logger fixes the level and format (RedisServerProcess has
    // one).
    Logging.configure("text", "warn", false);
    int redisPort = RedisServerProcess.freePort();
    int httpPort = RedisServerProcess.freePort();
    int respPort = RedisServerProcess.freePort();
    int managementPort = RedisServerProcess.freePort();
    ProxyConfig config;
    try {
      // Only these settings: the environment and a .env file in the working directory must not
      // change the run.
      config =
          ConfigLoader.load(
              List.of(
                  "--redis-address=embedded:" + redisPort,
                  "--bind-address=127.0.0.1",
                  "--proxy-port=" + httpPort,
                  "--resp-port=" + respPort,
                  "--management-port=" + managementPort),
              Map.of(),
              Path.of("/nonexistent/redis-proxy/.env"));
    } catch (ConfigException e) {
      err.println("redis-proxy cds-training: " + e.getMessage());
      return 1;
    }
    ProxyServer server;
    try {
      server = ProxyServer.start(config);
    } catch (RuntimeException e) {
      err.println("redis-proxy cds-training: cannot start the proxy: " + e.getMessage());
      return 1;
    }
    try {
      awaitBackend(httpPort);
      redis(redisPort, "SET", KEY, "trained");
      expect(http(httpPort, "GET", "/" + KEY), "200", "a miss");
      expect(http(httpPort, "GET", "/" + KEY), "200", "a hit");
      expect(http(httpPort, "HEAD", "/" + KEY), "200", "HEAD");
      expect(http(httpPort, "GET", "/cds-training-absent"), "404", "an absent key");
      expect(redis(respPort, "GET", KEY), "$7", "GET over RESP");
      expect(redis(respPort, "PING"), "+PONG", "PING over RESP");
      for (String path : List.of("/health", "/metrics", "/cache/stats")) {
        expect(http(managementPort, "GET", path), "200", path);
      }
      return 0;
    } catch (IOException | IllegalStateException e) {
      err.println("redis-proxy cds-training: " + e.getMessage());
      return 1;
    } finally {
      server.stop();
    }
  }

  /** Until the connection to the embedded Redis is up, the proxy answers 503. */
  private static void awaitBackend(int httpPort) throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (http(httpPort, "GET", "/cds-training-ready").equals("503")) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the proxy did not connect to its embedded Redis within " + READY_TIMEOUT);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private static void expect(String answer, String expected, String what) {
    if (!answer.equals(expected)) {
      throw new IllegalStateException(what + ": expected " + expected + ", got " + answer);
    }
  }

  /** One request on a connection of its own; returns the status code. */
  private static String http(int port, String method, String path) throws IOException {
    String request =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    String response = exchange(port, request);
    String[] statusLine = response.split("\r\n", 2)[0].split(" ");
    return statusLine.length > 1 ? statusLine[1] : response;
  }

  /** One command, then QUIT; returns the first line of the reply. */
  private static String redis(int port, String... command) throws IOException {
    StringBuilder request = new StringBuilder();
    request.append('*').append(command.length).append("\r\n");
    for (String part : command) {
      request
          .append('$')
          .append(part.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n")
          .append(part)
          .append("\r\n");
    }
    request.append("*1\r\n$4\r\nQUIT\r\n");
    return exchange(port, request.toString()).split("\r\n", 2)[0];
  }

  /** Writes the request and reads until the server closes the connection. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) READY_TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      in.transferTo(response);
      return response.toString(StandardCharsets.UTF_8);
    }
  }
}
