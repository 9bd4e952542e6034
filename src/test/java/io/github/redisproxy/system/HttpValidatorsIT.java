package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Validators: every 200 carries a strong {@code ETag} of its value and {@code Cache-Control:
 * max-age}; {@code If-None-Match} naming the current tag gets 304 with no body, a hit that sends no
 * value. And values longer than CACHE_MAX_VALUE_BYTES (1 KiB here) are answered but not cached.
 */
class HttpValidatorsIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("CACHE_MAX_VALUE_BYTES", "1k").build();

  private static final ProxyClient http = proxy.http();

  private static String etag(HttpResponse<byte[]> response) {
    return response.headers().firstValue("ETag").orElseThrow();
  }

  @Test
  void aValueCarriesTheSameStrongTagOnMissHitAndHead() {
    redis.commands().set("tag:k", "value");
    HttpResponse<byte[]> miss = http.get("/tag:k");
    HttpResponse<byte[]> hit = http.get("/tag:k");
    HttpResponse<byte[]> head = http.send("HEAD", "/tag:k");

    assertTrue(etag(miss).matches("\"[0-9a-f]{16}\""), etag(miss));
    assertEquals(Optional.of("HIT"), ProxyClient.xCache(hit));
    assertEquals(etag(miss), etag(hit));
    assertEquals(etag(miss), etag(head));
    assertEquals(
        miss.headers().firstValue("Cache-Control"), head.headers().firstValue("Cache-Control"));
    assertTrue(miss.headers().firstValue("Cache-Control").orElseThrow().matches("max-age=\\d+"));
  }

  /** A 304 answers from the cache: no body, the tag again, and no Redis GET. */
  @Test
  void ifNoneMatchWithTheCurrentTagIsNotModified() {
    redis.commands().set("tag:same", "value");
    String tag = etag(http.get("/tag:same"));
    long calls = redis.getCalls();

    for (String ifNoneMatch : new String[] {tag, "W/" + tag, "*", "\"other\", " + tag}) {
      HttpResponse<byte[]> response = http.send("GET", "/tag:same", "If-None-Match", ifNoneMatch);
      assertEquals(304, response.statusCode(), "If-None-Match: " + ifNoneMatch);
      assertEquals(0, response.body().length);
      assertEquals(tag, etag(response));
      assertEquals(Optional.of("HIT"), ProxyClient.xCache(response));
    }
    assertEquals(304, http.send("HEAD", "/tag:same", "If-None-Match", tag).statusCode());
    HttpResponse<byte[]> other = http.send("GET", "/tag:same", "If-None-Match", "\"other\"");
    assertEquals(200, other.statusCode());
    assertEquals("value", ProxyClient.bodyOf(other));
    assertEquals(calls, redis.getCalls(), "every answer was a hit");
  }

  /** A changed value has a new tag, and the old one no longer validates. */
  @Test
  void aChangedValueGetsANewTagAndTheOldTagGets200() {
    redis.commands().set("tag:changed", "old");
    String old = etag(http.get("/tag:changed"));

    redis.commands().set("tag:changed", "new");
    HttpResponse<byte[]> changed =
        Polling.until(
            Duration.ofSeconds(5),
            "the new value",
            () -> http.send("GET", "/tag:changed", "If-None-Match", old),
            response -> response.statusCode() == 200 && "new".equals(ProxyClient.bodyOf(response)));

    assertNotEquals(old, etag(changed));
  }

  @Test
  void aMissingKeyHasNoTag() {
    HttpResponse<byte[]> response = http.get("/tag:absent");
    assertEquals(404, response.statusCode());
    assertEquals(Optional.empty(), response.headers().firstValue("ETag"));
  }

  /** 2000 bytes over a 1 KiB limit: answered, BYPASS, never cached; 500 bytes are cached. */
  @Test
  void aValueLongerThanTheLimitIsAnsweredButNeverCached() {
    String big = "b".repeat(2000);
    String small = "s".repeat(500);
    redis.commands().set("tag:big", big);
    redis.commands().set("tag:small", small);
    proxy.management().send("DELETE", "/cache");
    long calls = redis.getCalls();

    for (int i = 0; i < 3; i++) {
      HttpResponse<byte[]> response = http.get("/tag:big");
      assertEquals(200, response.statusCode());
      assertEquals(big, ProxyClient.bodyOf(response));
      assertEquals(Optional.of("BYPASS"), ProxyClient.xCache(response));
      assertEquals(Optional.of("max-age=0"), response.headers().firstValue("Cache-Control"));
    }
    assertEquals(calls + 3, redis.getCalls(), "each read of the long value went to Redis");
    assertEquals(Optional.of("MISS"), ProxyClient.xCache(http.get("/tag:small")));
    assertEquals(Optional.of("HIT"), ProxyClient.xCache(http.get("/tag:small")));

    JsonNode stats = proxy.management().cacheStats();
    assertEquals(3, stats.get("bypassed").asLong());
    assertEquals("tag:small".length() + 500, stats.get("bytes").asLong(), "only the short value");
  }
}
