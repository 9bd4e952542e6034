package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * STALE_IF_ERROR=30: while Redis cannot be asked (frozen, so reads time out; or gone), a key whose
 * entry expired, or was dropped because the tracking connection was lost, answers its last value
 * with {@code X-Cache: STALE}. Never a key never loaded, never a key Redis reported changed, never
 * once Redis answers again; and not at all with STALE_IF_ERROR off (the second proxy).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaleIfErrorIT {
  private static final Duration EXPIRY = Duration.ofMillis(500);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .resp()
          .env("STALE_IF_ERROR", "30")
          .env("GLOBAL_CACHE_EXPIRY", "0.5")
          .env("REDIS_TIMEOUT", "0.5")
          .build();

  @RegisterExtension
  @Order(3)
  static final ProxyExtension strict =
      ProxyExtension.builder()
          .redis(redis)
          .env("GLOBAL_CACHE_EXPIRY", "0.5")
          .env("REDIS_TIMEOUT", "0.5")
          .build();

  private static final ProxyClient http = proxy.http();

  @Test
  @Order(1)
  void whileRedisIsFrozenAnExpiredKeyAnswersStaleAndNothingElseDoes() throws Exception {
    redis.commands().set("stale:kept", "last value");
    redis.commands().set("stale:changed", "old");
    assertEquals(200, http.get("/stale:kept").statusCode());
    assertEquals(200, strict.http().get("/stale:kept").statusCode());
    assertEquals(200, http.get("/stale:changed").statusCode());
    redis.commands().set("stale:changed", "new"); // reported: never to be served stale
    proxy.management().awaitInvalidationsHandled();
    Thread.sleep(EXPIRY.toMillis() + 100); // the entries expire on the proxy's clock, after this
    long staleBefore = proxy.management().cacheStats().get("stale").asLong();

    signal("STOP");
    try {
      HttpResponse<byte[]> stale = http.get("/stale:kept");
      assertEquals(200, stale.statusCode());
      assertEquals("last value", ProxyClient.bodyOf(stale));
      assertEquals(Optional.of("STALE"), ProxyClient.xCache(stale));
      assertEquals(Optional.of("max-age=0"), stale.headers().firstValue("Cache-Control"));
      assertEquals("last value", proxy.resp().get("stale:kept"), "over RESP too");
      assertEquals(503, http.get("/stale:never-loaded").statusCode());
      assertEquals(503, http.get("/stale:changed").statusCode(), "reported changed: not stale");
      assertEquals(503, strict.http().get("/stale:kept").statusCode(), "STALE_IF_ERROR off");
    } finally {
      signal("CONT");
    }

    assertEquals(staleBefore + 2, proxy.management().cacheStats().get("stale").asLong());
    assertEquals(
        staleBefore + 2, proxy.management().metric("redis_proxy_cache_stale_total"), "metric");
    HttpResponse<byte[]> fresh =
        Polling.until(
            Duration.ofSeconds(10),
            "Redis answering again",
            () -> http.get("/stale:kept"),
            response -> response.statusCode() == 200);
    assertNotEquals(Optional.of("STALE"), ProxyClient.xCache(fresh), "Redis answers: not stale");
    assertEquals("new", ProxyClient.bodyOf(http.get("/stale:changed")));
  }

  /**
   * Redis gone: losing the connection that carries invalidations drops every entry, but what was
   * cached may still answer stale; after Redis comes back (empty), the key is 404, never stale.
   */
  @Test
  @Order(2)
  void whenRedisGoesAwayTheValuesItsConnectionTookAnswerStale() {
    redis.commands().set("stale:fresh", "cached");
    assertEquals(Optional.of("MISS"), ProxyClient.xCache(http.get("/stale:fresh")));
    long untrackedBefore =
        proxy.management().cacheStats().get("evictions").get("untracked").asLong();

    redis.stop();
    try {
      Polling.until(
          Duration.ofSeconds(10),
          "the proxy to see Redis gone",
          () -> proxy.management().metric("redis_proxy_backend_up"),
          up -> up == 0);
      HttpResponse<byte[]> stale = http.get("/stale:fresh");
      assertEquals(200, stale.statusCode());
      assertEquals("cached", ProxyClient.bodyOf(stale));
      assertEquals(Optional.of("STALE"), ProxyClient.xCache(stale));
      assertEquals(503, http.get("/stale:never-seen").statusCode());
      assertEquals(
          untrackedBefore + 1,
          proxy.management().cacheStats().get("evictions").get("untracked").asLong(),
          "dropped as untracked when the connection went");
    } finally {
      redis.start();
    }
    proxy.awaitBackendReady();
    assertEquals(404, http.get("/stale:fresh").statusCode(), "Redis is back, empty: never stale");
  }

  /** {@code kill -STOP} or {@code -CONT} to the redis-server: frozen, its connections stay open. */
  private static void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(redis.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + name);
  }
}
