package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent misses for one key share one Redis GET. Redis is paused so that the load stays in
 * flight; the proxy's debug log tells when every request has reached the cache (one started the
 * load, the rest joined it), so the test knows, rather than hopes, that all of them were concurrent
 * before it lets Redis answer.
 */
class CoalescingIT {
  private static final int REQUESTS = 50;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .build();

  private static final ProxyClient http = proxy.http();

  /** A client that goes away does not cancel the load that another request shares. */
  @Test
  void clientThatGoesAwayDoesNotCancelASharedLoad() throws Exception {
    String key = "coalesce:abandoned";
    redis.commands().set(key, "still loaded");
    redis.pause(Duration.ofSeconds(2));

    RawHttp.Pending abandoned = RawHttp.send(proxy.port(), "/" + key);
    proxy.awaitLog(
        Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$"),
        1,
        Duration.ofSeconds(5));
    abandoned.close();

    CompletableFuture<HttpResponse<byte[]>> joining = http.getAsync("/" + key);
    proxy.awaitLog(
        Pattern.compile("coalesced key=" + Pattern.quote(key) + " joined the load in flight$"),
        1,
        Duration.ofSeconds(5));

    HttpResponse<byte[]> response = joining.get(20, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertEquals("still loaded", new String(response.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), response.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());

    HttpResponse<byte[]> cached = http.get("/" + key);
    assertEquals(
        Optional.of("HIT"), cached.headers().firstValue("X-Cache"), "the shared load was cached");
    assertEquals(1, redis.getCalls());
  }

  /** Fifty concurrent misses for one key share exactly one Redis GET. */
  @Test
  void coldKeyRequestedConcurrentlyLoadsOnce() throws Exception {
    String key = "coalesce:shared";
    redis.commands().set(key, "shared value");
    redis.pause(Duration.ofSeconds(3));

    List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      responses.add(http.getAsync("/" + key));
    }
    Pattern started = Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
    Pattern joined =
        Pattern.compile("coalesced key=" + Pattern.quote(key) + " joined the load in flight$");
    proxy.awaitLog(joined, REQUESTS - 1, Duration.ofSeconds(10));
    assertEquals(1, proxy.linesMatching(started).size(), "loads started");

    for (CompletableFuture<HttpResponse<byte[]>> pending : responses) {
      HttpResponse<byte[]> response = pending.get(20, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("shared value", new String(response.body(), StandardCharsets.UTF_8));
      assertEquals(Optional.of("MISS"), response.headers().firstValue("X-Cache"));
    }
    assertEquals(1, redis.getCalls(), "Redis GETs for " + REQUESTS + " concurrent misses");
    assertEquals(1, proxy.linesMatching(started).size(), "loads started");
    assertEquals(REQUESTS - 1, proxy.linesMatching(joined).size(), "requests that joined the load");

    HttpResponse<byte[]> after = http.get("/" + key);
    assertEquals(Optional.of("HIT"), after.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());
  }
}
