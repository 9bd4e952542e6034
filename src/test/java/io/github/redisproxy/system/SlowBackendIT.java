package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * REDIS_TIMEOUT=0.5 against a Redis that does not answer: {@code CLIENT PAUSE ... ALL} holds every
 * command, the proxy's included, until the pause ends.
 */
class SlowBackendIT {
  private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("REDIS_TIMEOUT", "0.5").build();

  private static final ProxyClient http = proxy.http();

  /**
   * A Redis slower than REDIS_TIMEOUT gets 503 with Retry-After not before the timeout and within a
   * second after.
   */
  @Test
  void slowRedisGets503AfterTheTimeout() {
    redis.commands().set("slow:cached", "cached value");
    redis.commands().set("slow:cold", "cold value");
    assertEquals(200, http.get("/slow:cached").statusCode());

    redis.pause(Duration.ofSeconds(3));

    long start = System.nanoTime();
    HttpResponse<byte[]> response = http.get("/slow:cold");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, response.statusCode());
    assertTrue(response.headers().firstValue("Retry-After").isPresent(), "Retry-After");
    assertTrue(
        elapsed.compareTo(REDIS_TIMEOUT) >= 0,
        "gave up after " + elapsed + ", before REDIS_TIMEOUT");
    assertTrue(elapsed.compareTo(REDIS_TIMEOUT.plusSeconds(1)) < 0, "answered after " + elapsed);

    HttpResponse<byte[]> cached = http.get("/slow:cached");
    assertEquals(200, cached.statusCode(), "a cached key is served while Redis is stuck");
    assertEquals(Optional.of("HIT"), cached.headers().firstValue("X-Cache"));
  }

  /** A timed out load is not cached and the next request after Redis recovers loads afresh. */
  @Test
  void timedOutLoadIsNotCached() {
    redis.commands().set("slow:retry", "retry value");
    redis.pause(Duration.ofSeconds(1));

    assertEquals(503, http.get("/slow:retry").statusCode());
    redis.commands().ping(); // returns once the pause is over

    HttpResponse<byte[]> response = http.get("/slow:retry");
    assertEquals(200, response.statusCode());
    assertEquals("retry value", new String(response.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), response.headers().firstValue("X-Cache"));
    // The timed-out GET ran when the pause ended, before Redis read the next one.
    assertEquals(2, redis.getCalls());
  }
}
