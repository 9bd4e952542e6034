package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.SetArgs;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A key's TTL in Redis bounds its entry's life, whatever GLOBAL_CACHE_EXPIRY says (60 s here),
 * under both invalidation modes, over HTTP and RESP. {@code Cache-Control: max-age} shows the life
 * left.
 *
 * <p>The waits here are on Redis' own clock, not on the proxy: a key set with {@code PX 800} is
 * gone in Redis 800 ms later, so a read 1 s after the {@code SET} was sent must not find it,
 * however slow the machine.
 */
class RedisTtlIT {
  private static final Duration AFTER_TTL = Duration.ofSeconds(1);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension tracking =
      ProxyExtension.builder().redis(redis).resp().env("GLOBAL_CACHE_EXPIRY", "60").build();

  @RegisterExtension
  @Order(3)
  static final ProxyExtension none =
      ProxyExtension.builder()
          .redis(redis)
          .resp()
          .env("GLOBAL_CACHE_EXPIRY", "60")
          .env("CACHE_INVALIDATION", "none")
          .build();

  static Stream<String> modes() {
    return Stream.of("tracking", "none");
  }

  private static ProxyExtension proxy(String mode) {
    return mode.equals("tracking") ? tracking : none;
  }

  /**
   * {@code SET k v PX 800}: answered at once, from the cache after its load, and 404 (through
   * Redis) once 1 s has passed, although GLOBAL_CACHE_EXPIRY is 60 s.
   */
  @ParameterizedTest
  @MethodSource("modes")
  void aKeyWithATtlIsNotServedAfterItExpiresInRedis(String mode) throws InterruptedException {
    ProxyClient http = proxy(mode).http();
    String key = "ttl:token:" + mode;
    long setAt = System.nanoTime();
    redis.commands().set(key, "secret", SetArgs.Builder.px(800));
    long calls = redis.getCalls();

    HttpResponse<byte[]> miss = http.get("/" + key);
    assertEquals(200, miss.statusCode());
    assertEquals("secret", ProxyClient.bodyOf(miss));
    assertEquals(Optional.of("MISS"), ProxyClient.xCache(miss));
    assertEquals(Optional.of("max-age=0"), miss.headers().firstValue("Cache-Control"));
    HttpResponse<byte[]> hit = http.get("/" + key);
    if (System.nanoTime() - setAt < Duration.ofMillis(700).toNanos()) {
      assertEquals(Optional.of("HIT"), ProxyClient.xCache(hit), "well within its TTL");
    }

    sleepUntil(setAt, AFTER_TTL);
    HttpResponse<byte[]> gone = http.get("/" + key);

    assertEquals(404, gone.statusCode(), "Redis' TTL ended 200 ms ago");
    assertTrue(redis.getCalls() - calls >= 2, "the 404 came from Redis, not from the cache");
  }

  /** The same over the RESP port: the value, then nil. */
  @ParameterizedTest
  @MethodSource("modes")
  void overRespAKeyWithATtlIsNilAfterItExpiresInRedis(String mode) throws InterruptedException {
    String key = "ttl:resp:" + mode;
    long setAt = System.nanoTime();
    redis.commands().set(key, "code", SetArgs.Builder.px(800));

    assertEquals("code", proxy(mode).resp().get(key));
    sleepUntil(setAt, AFTER_TTL);

    assertNull(proxy(mode).resp().get(key));
  }

  /** {@code max-age}: the whole seconds left, bounded by the TTL or by GLOBAL_CACHE_EXPIRY. */
  @ParameterizedTest
  @MethodSource("modes")
  void maxAgeIsTheLifeLeftByTheTtlOrTheGlobalExpiry(String mode) {
    ProxyClient http = proxy(mode).http();
    redis.commands().set("ttl:five:" + mode, "v", SetArgs.Builder.px(5000));
    redis.commands().set("ttl:none:" + mode, "v");

    long withTtl = maxAge(http.get("/ttl:five:" + mode));
    long without = maxAge(http.get("/ttl:none:" + mode));

    assertTrue(withTtl >= 2 && withTtl <= 4, "PX 5000, read at once: max-age " + withTtl);
    assertTrue(without >= 58 && without <= 60, "no TTL, GLOBAL_CACHE_EXPIRY=60: " + without);
  }

  /**
   * {@code EXPIRE} and {@code PERSIST} take effect at the next load; under tracking Redis reports
   * both as changes, so the next load comes at once.
   */
  @Test
  void expireAndPersistTakeEffectAtTheNextLoad() throws InterruptedException {
    ProxyClient http = tracking.http();
    redis.commands().set("ttl:expire", "v");
    redis.commands().set("ttl:persist", "v", SetArgs.Builder.px(3000));
    assertTrue(maxAge(http.get("/ttl:expire")) >= 58);
    assertTrue(maxAge(http.get("/ttl:persist")) <= 2);

    long expiredAt = System.nanoTime();
    redis.commands().expire("ttl:expire", 1);
    redis.commands().persist("ttl:persist");

    HttpResponse<byte[]> reloaded = reloaded(http, "/ttl:expire");
    assertTrue(maxAge(reloaded) <= 1, "EXPIRE 1: " + reloaded.headers());
    assertTrue(maxAge(reloaded(http, "/ttl:persist")) >= 58, "PERSIST: no TTL any more");
    sleepUntil(expiredAt, Duration.ofMillis(1200));
    assertEquals(404, http.get("/ttl:expire").statusCode());
  }

  /** Polls until a read of {@code path} is a new load (the invalidation has removed the entry). */
  private static HttpResponse<byte[]> reloaded(ProxyClient http, String path) {
    return Polling.until(
        Duration.ofSeconds(5),
        path + " reloaded",
        () -> http.get(path),
        response -> ProxyClient.xCache(response).equals(Optional.of("MISS")));
  }

  private static long maxAge(HttpResponse<byte[]> response) {
    String value = response.headers().firstValue("Cache-Control").orElseThrow();
    assertTrue(value.startsWith("max-age="), value);
    return Long.parseLong(value.substring("max-age=".length()));
  }

  /** Waits on the clock until {@code after} has passed since {@code start}: Redis' TTL runs so. */
  private static void sleepUntil(long start, Duration after) throws InterruptedException {
    long left = start + after.toNanos() - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000 + 1);
    }
  }
}
