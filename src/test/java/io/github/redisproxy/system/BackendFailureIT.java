package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis stopped and started under a running proxy, and a proxy started before its Redis. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BackendFailureIT {
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);
  private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(10);

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static ProxyProcess proxy;
  private static ProxyClient http;

  @BeforeAll
  static void startProxy() {
    proxy = ProxyProcess.start(Map.of("REDIS_ADDRESS", redis.address(), "REDIS_TIMEOUT", "0.5"));
    proxy.awaitBackendReady();
    http = new ProxyClient(proxy);
  }

  @AfterAll
  static void stopProxy() {
    if (proxy != null) {
      proxy.closeAndAssertNoErrorsLogged(); // also surfaces buffer leaks: GC, then one more request, then the log
    }
  }

  @AfterEach
  void restartRedisIfStopped() {
    redis.start();
  }

  @Test
  void while_Redis_is_down_a_miss_is_503_with_Retry_After_within_the_timeout_and_the_proxy_recovers_when_it_returns() {
    redis.commands().set("down:cached", "cached value");
    assertEquals(200, http.get("/down:cached").statusCode());

    redis.stop();

    long start = System.nanoTime();
    HttpResponse<byte[]> down = http.get("/down:cold");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, down.statusCode());
    assertTrue(down.headers().firstValue("Retry-After").isPresent(), "Retry-After");
    assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

    HttpResponse<byte[]> cached = http.get("/down:cached");
    assertEquals(200, cached.statusCode(), "a cached key is served while Redis is down");
    assertEquals(Optional.of("HIT"), cached.headers().firstValue("X-Cache"));

    redis.start();
    redis.commands().set("down:cold", "back again");

    HttpResponse<byte[]> recovered =
        Polling.until(RECOVERY_DEADLINE, "the proxy to serve again", () -> http.get("/down:cold"), r -> r.statusCode() != 503);
    assertEquals(200, recovered.statusCode());
    assertEquals("back again", new String(recovered.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), recovered.headers().firstValue("X-Cache"));
  }

  @Test
  void a_failed_load_is_not_cached() {
    redis.stop();

    long start = System.nanoTime();
    HttpResponse<byte[]> failed = http.get("/failed:key");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, failed.statusCode());
    assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

    redis.start();
    redis.commands().set("failed:key", "loaded after all");

    HttpResponse<byte[]> loaded =
        Polling.until(RECOVERY_DEADLINE, "a fresh load to succeed", () -> http.get("/failed:key"), r -> r.statusCode() != 503);
    assertEquals(200, loaded.statusCode());
    assertEquals("loaded after all", new String(loaded.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), loaded.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls(), "the restarted Redis saw exactly the one successful load");
  }

  @Test
  void a_proxy_started_while_Redis_is_down_answers_503_and_serves_once_Redis_starts() {
    int port = RedisServerProcess.freePort(); // nothing listens here yet
    try (ProxyProcess early =
        ProxyProcess.start(Map.of("REDIS_ADDRESS", "127.0.0.1:" + port, "REDIS_TIMEOUT", "0.5"))) {
      ProxyClient earlyHttp = new ProxyClient(early);

      long start = System.nanoTime();
      HttpResponse<byte[]> down = earlyHttp.get("/early:key");
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      assertEquals(503, down.statusCode());
      assertTrue(down.headers().firstValue("Retry-After").isPresent(), "Retry-After");
      assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

      try (RedisServerProcess late = RedisServerProcess.start(port)) {
        set(port, "early:key", "worth the wait");

        HttpResponse<byte[]> served =
            Polling.until(
                RECOVERY_DEADLINE, "the proxy to connect", () -> earlyHttp.get("/early:key"), r -> r.statusCode() != 503);
        assertEquals(200, served.statusCode());
        assertEquals("worth the wait", new String(served.body(), StandardCharsets.UTF_8));
        early.assertNoErrorsLogged();
      }
    }
  }

  private static void set(int port, String key, String value) {
    RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().set(key, value);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
