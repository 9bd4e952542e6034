package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The REDIS_ADDRESS forms other than host:port: a redis:// URI with a database number, and
 * embedded:PORT.
 */
class RedisAddressIT {
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** A redis URI with a database number reads from that database. */
  @Test
  void redisUriSelectsItsDatabase() {
    redis.commands().set("address:db", "from database 0");
    redis.commands().select(2);
    try {
      redis.commands().set("address:db", "from database 2");
    } finally {
      redis.commands().select(0);
    }

    try (ProxyProcess proxy =
        ProxyExtension.builder()
            .env("REDIS_ADDRESS", "redis://127.0.0.1:" + redis.port() + "/2")
            .awaitBackend(false)
            .start()) {
      ProxyClient http = new ProxyClient(proxy);
      HttpResponse<byte[]> response =
          Polling.until(
              Duration.ofSeconds(10),
              "the proxy to reach Redis",
              () -> http.get("/address:db"),
              r -> r.statusCode() != 503);
      assertEquals(200, response.statusCode());
      assertEquals("from database 2", new String(response.body(), StandardCharsets.UTF_8));
      proxy.assertNoErrorsLogged();
    }
  }

  /**
   * REDIS_ADDRESS=embedded starts a redis-server of its own on the given port and stops it on
   * SIGTERM.
   */
  @Test
  void embeddedRedisStartsAndStopsWithTheProxy() {
    int port = RedisServerProcess.freePort();
    try (ProxyProcess proxy =
        ProxyExtension.builder()
            .env("REDIS_ADDRESS", "embedded:" + port)
            .awaitBackend(false)
            .start()) {
      RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        connection.sync().set("embedded:key", "embedded value");
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }

      ProxyClient http = new ProxyClient(proxy);
      HttpResponse<byte[]> response =
          Polling.until(
              Duration.ofSeconds(10),
              "the proxy to reach Redis",
              () -> http.get("/embedded:key"),
              r -> r.statusCode() != 503);
      assertEquals(200, response.statusCode());
      assertEquals("embedded value", new String(response.body(), StandardCharsets.UTF_8));

      proxy.sigterm();
      assertEquals(0, proxy.awaitExit(Duration.ofSeconds(15)));
      assertTrue(refusesConnections(port), "the embedded redis-server must stop with the proxy");
      proxy.assertNoErrorsLogged();
    }
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
