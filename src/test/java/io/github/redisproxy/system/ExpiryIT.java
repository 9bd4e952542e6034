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
 * GLOBAL_CACHE_EXPIRY=0.5: an entry is served from the cache until 0.5 s after its load and never
 * after, however often it is read meanwhile (expire-after-write, not after access).
 *
 * <p>The timing assertions are lower bounds only. The load completed after the first request was
 * sent, and the proxy decided to reload before the reloading response arrived; so if the proxy
 * honours the expiry, the time from sending the first request to receiving the new value is at
 * least 0.5 s, on any machine however slow.
 *
 * <p>This is TTL-only behaviour, so the proxy runs with {@code CACHE_INVALIDATION=none}: under the
 * default, {@code tracking}, Redis reports the change and the proxy drops the key at once ({@code
 * InvalidationIT}).
 */
class ExpiryIT {
  private static final Duration EXPIRY = Duration.ofMillis(500);
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("GLOBAL_CACHE_EXPIRY", "0.5")
          .env("CACHE_INVALIDATION", "none")
          .build();

  private static final ProxyClient http = proxy.http();

  /**
   * A changed value is served from the cache until the expiry after load and then reloaded once.
   */
  @Test
  void changedValueIsServedUntilExpiryThenReloaded() {
    redis.commands().set("expiry:changed", "old");
    long sentFirst = System.nanoTime();
    expect("/expiry:changed", 200, "old", "MISS");

    redis.commands().set("expiry:changed", "new");
    expect("/expiry:changed", 200, "old", "HIT");

    HttpResponse<byte[]> reloaded = pollUntilChanged("/expiry:changed", "old");
    long receivedNew = System.nanoTime();
    assertEquals(200, reloaded.statusCode());
    assertEquals("new", text(reloaded));
    assertEquals(Optional.of("MISS"), reloaded.headers().firstValue("X-Cache"));
    assertAtLeastExpiry(sentFirst, receivedNew);
    assertEquals(
        2, redis.getCalls(), "one load, every read a hit until the expiry, then one reload");

    expect("/expiry:changed", 200, "new", "HIT");
    assertEquals(2, redis.getCalls());
  }

  /** A deleted key is served from the cache until the expiry and is 404 after. */
  @Test
  void deletedKeyIsServedUntilExpiryThen404() {
    redis.commands().set("expiry:deleted", "doomed");
    long sentFirst = System.nanoTime();
    expect("/expiry:deleted", 200, "doomed", "MISS");

    redis.commands().del("expiry:deleted");
    expect("/expiry:deleted", 200, "doomed", "HIT");

    HttpResponse<byte[]> gone = pollUntilChanged("/expiry:deleted", "doomed");
    long receivedGone = System.nanoTime();
    assertEquals(404, gone.statusCode());
    assertAtLeastExpiry(sentFirst, receivedGone);
    assertEquals(2, redis.getCalls());
  }

  /**
   * Reads until the answer is no longer the cached one; every read before that must be a hit of the
   * old value.
   */
  private static HttpResponse<byte[]> pollUntilChanged(String path, String cached) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    int hits = 0;
    while (System.nanoTime() - deadline < 0) {
      HttpResponse<byte[]> response = http.get(path);
      if (response.statusCode() != 200 || !text(response).equals(cached)) {
        return response;
      }
      assertEquals(
          Optional.of("HIT"),
          response.headers().firstValue("X-Cache"),
          "an unexpired read, after " + hits + " hits");
      hits++;
      pause();
    }
    throw new AssertionError(
        "still serving \"" + cached + "\" " + DEADLINE + " after its load, an expiry of " + EXPIRY);
  }

  private static void assertAtLeastExpiry(long sentFirst, long receivedChange) {
    Duration elapsed = Duration.ofNanos(receivedChange - sentFirst);
    assertTrue(
        elapsed.compareTo(EXPIRY) >= 0,
        "the entry expired after at most " + elapsed + ", before " + EXPIRY);
  }

  private static void expect(String path, int status, String value, String cache) {
    HttpResponse<byte[]> response = http.get(path);
    assertEquals(status, response.statusCode(), "GET " + path);
    assertEquals(value, text(response), "GET " + path);
    assertEquals(Optional.of(cache), response.headers().firstValue("X-Cache"), "GET " + path);
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
