package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CACHE_POLICY=tinylfu changes only which key is evicted: hits, misses and absent keys behave as
 * with lru.
 */
class TinyLfuPolicyIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("CACHE_POLICY", "tinylfu").build();

  private static final ProxyClient http = proxy.http();

  /** With tinylfu a value is a miss then a hit and an absent key is 404 and not cached. */
  @Test
  void tinyLfuServesMissThenHitAndAbsent() {
    redis.commands().set("tinylfu:k", "tiny value");

    HttpResponse<byte[]> miss = http.get("/tinylfu:k");
    assertEquals(200, miss.statusCode());
    assertEquals("tiny value", new String(miss.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), miss.headers().firstValue("X-Cache"));

    HttpResponse<byte[]> hit = http.get("/tinylfu:k");
    assertEquals(200, hit.statusCode());
    assertEquals("tiny value", new String(hit.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("HIT"), hit.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());

    assertEquals(404, http.get("/tinylfu:absent").statusCode());
    redis.commands().set("tinylfu:absent", "arrived");
    HttpResponse<byte[]> arrived = http.get("/tinylfu:absent");
    assertEquals(200, arrived.statusCode());
    assertEquals("arrived", new String(arrived.body(), StandardCharsets.UTF_8));
    assertEquals(3, redis.getCalls());
  }
}
