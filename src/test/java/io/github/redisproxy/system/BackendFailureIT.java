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
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis stopped and started under a running proxy, and a proxy started before its Redis.
 *
 * <p>The class's proxy runs with the default {@code CACHE_INVALIDATION=tracking}: when its
 * connection drops it clears the cache, so while Redis is down even a key cached before is 503.
 * Serving cached keys while Redis is down is the TTL-only behaviour of {@code
 * CACHE_INVALIDATION=none}; the test that checks it starts a proxy with that setting.
 */
class BackendFailureIT {
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);
  private static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(10);
  private static final Pattern TRACKING_LOST =
      Pattern.compile("Lost the connection that carries invalidations: cleared (\\d+) cached keys");
  private static final Pattern TRACKING_ON =
      Pattern.compile("Invalidation tracking is on for Redis at ");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("REDIS_TIMEOUT", "0.5").build();

  private static final ProxyClient http = proxy.http();

  @AfterEach
  void restartRedisIfStopped() {
    redis.start();
    // A test that stopped Redis leaves the proxy reconnecting: wait until it caches again (tracking
    // back on).
    proxy.awaitBackendReady();
    proxy.awaitInvalidationTracking();
  }

  /**
   * With CACHE_INVALIDATION=none, while Redis is down a miss is 503 with Retry-After, a cached key
   * is still served, and the proxy recovers.
   *
   * <p>TTL-only behaviour: a proxy of its own with {@code CACHE_INVALIDATION=none}.
   */
  @Test
  void ttlOnlyProxyServesCachedKeysWhileRedisIsDown() {
    try (ProxyProcess ttlOnly =
        ProxyExtension.builder()
            .redis(redis)
            .env("REDIS_TIMEOUT", "0.5")
            .env("CACHE_INVALIDATION", "none")
            .start()) {
      ProxyClient ttlOnlyHttp = new ProxyClient(ttlOnly);
      redis.commands().set("down:cached", "cached value");
      assertEquals(200, ttlOnlyHttp.get("/down:cached").statusCode());

      redis.stop();

      long start = System.nanoTime();
      HttpResponse<byte[]> down = ttlOnlyHttp.get("/down:cold");
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      assertEquals(503, down.statusCode());
      assertTrue(down.headers().firstValue("Retry-After").isPresent(), "Retry-After");
      assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

      HttpResponse<byte[]> cached = ttlOnlyHttp.get("/down:cached");
      assertEquals(200, cached.statusCode(), "a cached key is served while Redis is down");
      assertEquals(Optional.of("HIT"), cached.headers().firstValue("X-Cache"));

      redis.start();
      redis.commands().set("down:cold", "back again");

      HttpResponse<byte[]> recovered =
          Polling.until(
              RECOVERY_DEADLINE,
              "the proxy to serve again",
              () -> ttlOnlyHttp.get("/down:cold"),
              r -> r.statusCode() != 503);
      assertEquals(200, recovered.statusCode());
      assertEquals("back again", new String(recovered.body(), StandardCharsets.UTF_8));
      assertEquals(Optional.of("MISS"), recovered.headers().firstValue("X-Cache"));

      ttlOnly.closeAndAssertNoErrorsLogged();
    }
  }

  /**
   * While Redis is down, a key cached before is 503 too, because losing the connection cleared the
   * cache.
   *
   * <p>The tracking counterpart of the test above: a proxy that cannot hear about changes does not
   * serve what may have changed. Once the connection is lost the cache is cleared, so the key
   * cached before is 503 like any miss; when Redis is back (empty, as after a restart) the proxy
   * serves what Redis holds now, and caches again once tracking is on.
   */
  @Test
  void trackingProxyClearsItsCacheWhenRedisGoesDown() {
    redis.commands().set("down:tracked", "cached value");
    assertEquals(Optional.of("MISS"), http.get("/down:tracked").headers().firstValue("X-Cache"));
    assertEquals(Optional.of("HIT"), http.get("/down:tracked").headers().firstValue("X-Cache"));
    int lost = proxy.linesMatching(TRACKING_LOST).size();
    int on = proxy.linesMatching(TRACKING_ON).size();

    redis.stop();
    String cleared = proxy.awaitLog(TRACKING_LOST, lost + 1, RECOVERY_DEADLINE).get(lost);
    assertTrue(cleared.contains("cleared 1 cached keys"), cleared);
    assertEquals(
        0.0, proxy.metric("redis_proxy_invalidation_tracking"), "tracking while Redis is down");

    long start = System.nanoTime();
    HttpResponse<byte[]> down = http.get("/down:tracked");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(
        503,
        down.statusCode(),
        "a key cached before Redis went down is not served: it may have changed");
    assertTrue(down.headers().firstValue("Retry-After").isPresent(), "Retry-After");
    assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

    redis.start();
    redis.commands().set("down:tracked", "written while the proxy could not hear");
    proxy.awaitLog(TRACKING_ON, on + 1, RECOVERY_DEADLINE);
    HttpResponse<byte[]> reloaded = http.get("/down:tracked");
    assertEquals(200, reloaded.statusCode());
    assertEquals(
        "written while the proxy could not hear",
        new String(reloaded.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), reloaded.headers().firstValue("X-Cache"));
    assertEquals(
        Optional.of("HIT"),
        http.get("/down:tracked").headers().firstValue("X-Cache"),
        "cached again");
    assertEquals(1.0, proxy.metric("redis_proxy_invalidation_tracking"));
  }

  @Test
  void failedLoadIsNotCached() {
    redis.stop();

    long start = System.nanoTime();
    HttpResponse<byte[]> failed = http.get("/failed:key");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, failed.statusCode());
    assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

    redis.start();
    redis.commands().set("failed:key", "loaded after all");

    HttpResponse<byte[]> loaded =
        Polling.until(
            RECOVERY_DEADLINE,
            "a fresh load to succeed",
            () -> http.get("/failed:key"),
            r -> r.statusCode() != 503);
    assertEquals(200, loaded.statusCode());
    assertEquals("loaded after all", new String(loaded.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), loaded.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls(), "the restarted Redis saw exactly the one successful load");
  }

  /** A proxy started while Redis is down answers 503 and serves once Redis starts. */
  @Test
  void proxyStartedBeforeRedisServesOnceRedisStarts() {
    int port = RedisServerProcess.freePort(); // nothing listens here yet
    try (ProxyProcess early =
        ProxyExtension.builder()
            .env("REDIS_ADDRESS", "127.0.0.1:" + port)
            .env("REDIS_TIMEOUT", "0.5")
            .awaitBackend(false)
            .start()) {
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
                RECOVERY_DEADLINE,
                "the proxy to connect",
                () -> earlyHttp.get("/early:key"),
                r -> r.statusCode() != 503);
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
