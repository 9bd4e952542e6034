package io.github.redisproxy.system;

import static io.github.redisproxy.testing.ProxyClient.bodyOf;
import static io.github.redisproxy.testing.ProxyClient.xCache;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP validators and freshness: a 200 carries a strong {@code ETag} (a hash of the value, so the
 * same value has the same tag however it was answered) and {@code Cache-Control: max-age}; a
 * request whose {@code If-None-Match} names the current tag (or {@code *}, or the tag marked weak)
 * is answered {@code 304 Not Modified} with no body, from the cache like any other hit. A value
 * longer than {@code CACHE_MAX_VALUE_BYTES} (here 1k, 1024 bytes) is answered but never cached
 * ({@code X-Cache: BYPASS}, {@code max-age=0}), and {@code /cache/stats} counts it and the cached
 * bytes exactly (the default policy, lru).
 *
 * <p>The proxy runs with the default {@code CACHE_INVALIDATION=tracking}.
 */
class HttpValidatorsIT {
  private static final String ETAG_FORMAT = "\"[0-9a-f]{16}\"";
  private static final int MAX_VALUE_BYTES = 1024;
  private static final Duration INVALIDATED = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("CACHE_MAX_VALUE_BYTES", "1k").build();

  private static final ProxyClient http = proxy.http();
  private static final ManagementClient management = proxy.management();
  private static final HttpClient conditional =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * A 200 carries a strong ETag of 16 lowercase hex digits and a max-age; the tag is the same on
   * the miss, on a hit, on HEAD, and for another key holding the same bytes; another value has
   * another tag.
   */
  @Test
  void sameValueHasTheSameStrongEtag() {
    redis.commands().set("etag:a", "tagged");
    redis.commands().set("etag:b", "tagged");
    redis.commands().set("etag:c", "tagged!");

    HttpResponse<byte[]> miss = http.get("/etag:a");
    assertEquals(200, miss.statusCode(), bodyOf(miss));
    assertEquals(Optional.of("MISS"), xCache(miss));
    String tag = etag(miss);
    assertTrue(tag.matches(ETAG_FORMAT), "ETag: " + tag);
    assertFreshForTheGlobalExpiry(miss);

    HttpResponse<byte[]> hit = http.get("/etag:a");
    assertEquals(Optional.of("HIT"), xCache(hit));
    assertEquals(tag, etag(hit), "the hit's tag");
    HttpResponse<byte[]> head = http.send("HEAD", "/etag:a");
    assertEquals(200, head.statusCode());
    assertEquals(tag, etag(head), "HEAD's tag");
    assertFreshForTheGlobalExpiry(head);

    assertEquals(tag, etag(http.get("/etag:b")), "another key with the same bytes");
    String other = etag(http.get("/etag:c"));
    assertTrue(other.matches(ETAG_FORMAT), "ETag: " + other);
    assertNotEquals(tag, other, "another value");
    assertEquals(3, redis.getCalls());
  }

  /**
   * If-None-Match naming the current tag answers 304 with the ETag and no body, and counts as a
   * hit: X-Cache HIT, no GET to Redis.
   */
  @Test
  void matchingIfNoneMatchAnswers304FromTheCache() {
    redis.commands().set("etag:cached", "unchanged");
    String tag = etag(http.get("/etag:cached"));
    assertEquals(1, redis.getCalls());
    long hitsBefore = management.cacheStats().get("hits").asLong();

    HttpResponse<byte[]> notModified = conditionalGet("/etag:cached", tag);
    assertEquals(304, notModified.statusCode());
    assertArrayEquals(new byte[0], notModified.body());
    assertEquals(tag, etag(notModified));
    assertEquals(Optional.of("HIT"), xCache(notModified));
    assertEquals(1, redis.getCalls(), "a 304 is answered from the cache");
    assertEquals(
        hitsBefore + 1, management.cacheStats().get("hits").asLong(), "the 304 counted as a hit");
  }

  /**
   * The forms of If-None-Match that match the current tag: {@code *}, the tag marked weak, and a
   * list that names it among others.
   */
  @ParameterizedTest(name = "If-None-Match: {0}")
  @ValueSource(strings = {"*", "W/<tag>", "\"x\", <tag>", "\"x\",W/<tag>, \"y\""})
  void ifNoneMatchFormsThatMatchAnswer304(String form) {
    redis.commands().set("etag:forms", "unchanged");
    String tag = etag(http.get("/etag:forms"));

    HttpResponse<byte[]> response = conditionalGet("/etag:forms", form.replace("<tag>", tag));
    assertEquals(304, response.statusCode(), bodyOf(response));
    assertArrayEquals(new byte[0], response.body());
    assertEquals(tag, etag(response));
    assertEquals(1, redis.getCalls());
  }

  /** A tag that does not match, or a malformed header, is answered 200 with the value. */
  @ParameterizedTest(name = "If-None-Match: {0}")
  @ValueSource(strings = {"\"0000000000000000\"", "\"x\", \"y\"", "<tag without quotes>", "W/"})
  void ifNoneMatchThatDoesNotMatchAnswers200(String form) {
    redis.commands().set("etag:nomatch", "served");
    String tag = etag(http.get("/etag:nomatch"));

    String header = form.replace("<tag without quotes>", tag.substring(1, tag.length() - 1));
    HttpResponse<byte[]> response = conditionalGet("/etag:nomatch", header);
    assertEquals(200, response.statusCode());
    assertEquals("served", bodyOf(response));
    assertEquals(tag, etag(response));
    assertEquals(Optional.of("HIT"), xCache(response));
  }

  /** HEAD with a matching If-None-Match is 304 too. */
  @Test
  void headWithMatchingIfNoneMatchAnswers304() {
    redis.commands().set("etag:head", "unchanged");
    String tag = etag(http.send("HEAD", "/etag:head"));

    HttpResponse<byte[]> response = conditional("HEAD", "/etag:head", tag);
    assertEquals(304, response.statusCode());
    assertEquals(tag, etag(response));
    assertEquals(Optional.of("HIT"), xCache(response));
    assertEquals(1, redis.getCalls());
  }

  /**
   * Once Redis reports a change (tracking), the new value has a new tag, and the old tag in
   * If-None-Match gets 200 with the new value; the new tag gets 304.
   */
  @Test
  void changedValueHasANewTagAndTheOldOneNoLongerMatches() {
    redis.commands().set("etag:changing", "before");
    String before = etag(http.get("/etag:changing"));

    redis.commands().set("etag:changing", "after");
    HttpResponse<byte[]> changed =
        Polling.until(
            INVALIDATED,
            "the proxy to serve the new value",
            () -> http.get("/etag:changing"),
            response -> bodyOf(response).equals("after"));
    String after = etag(changed);
    assertTrue(after.matches(ETAG_FORMAT), "ETag: " + after);
    assertNotEquals(before, after);

    HttpResponse<byte[]> stale = conditionalGet("/etag:changing", before);
    assertEquals(200, stale.statusCode());
    assertEquals("after", bodyOf(stale));
    assertEquals(after, etag(stale));
    HttpResponse<byte[]> current = conditionalGet("/etag:changing", after);
    assertEquals(304, current.statusCode());
    assertEquals(after, etag(current));
    assertEquals(2, redis.getCalls(), "one load before the change, one after");
  }

  /** A 404 carries no validators. */
  @Test
  void absentKeyHasNoEtag() {
    HttpResponse<byte[]> absent = http.get("/etag:absent");
    assertEquals(404, absent.statusCode());
    assertEquals(Optional.empty(), absent.headers().firstValue("ETag"));
    HttpResponse<byte[]> conditionalAbsent = conditionalGet("/etag:absent", "*");
    assertEquals(404, conditionalAbsent.statusCode(), "If-None-Match: * on no value");
    assertEquals(Optional.empty(), conditionalAbsent.headers().firstValue("ETag"));
  }

  /**
   * A value longer than CACHE_MAX_VALUE_BYTES is answered 200, {@code X-Cache: BYPASS}, {@code
   * max-age=0}, with its ETag, and never cached: every read goes to Redis and is counted as
   * bypassed. A value of exactly CACHE_MAX_VALUE_BYTES is cached.
   */
  @Test
  void valueLongerThanTheMaximumIsAnsweredButNotCached() {
    byte[] large = bytes(2000, 'L');
    byte[] justOver = bytes(MAX_VALUE_BYTES + 1, 'O');
    byte[] atTheMaximum = bytes(MAX_VALUE_BYTES, 'M');
    redis.binary().set(key("bypass:large"), large);
    redis.binary().set(key("bypass:over"), justOver);
    redis.binary().set(key("bypass:max"), atTheMaximum);
    long bypassedBefore = management.cacheStats().get("bypassed").asLong();

    for (int read = 1; read <= 3; read++) {
      HttpResponse<byte[]> response = http.get("/bypass:large");
      assertEquals(200, response.statusCode());
      assertArrayEquals(large, response.body());
      assertEquals(Optional.of("BYPASS"), xCache(response), "read " + read);
      assertEquals(Optional.of("max-age=0"), response.headers().firstValue("Cache-Control"));
      assertTrue(etag(response).matches(ETAG_FORMAT), "ETag: " + etag(response));
      assertEquals(read, redis.getCalls(), "every read of a long value goes to Redis");
    }
    HttpResponse<byte[]> over = http.get("/bypass:over");
    assertArrayEquals(justOver, over.body());
    assertEquals(Optional.of("BYPASS"), xCache(over), "one byte over the maximum");
    assertEquals(4, redis.getCalls());
    assertEquals(
        bypassedBefore + 4,
        management.cacheStats().get("bypassed").asLong(),
        "bypassed: each read of a long value");

    assertEquals(Optional.of("MISS"), xCache(http.get("/bypass:max")));
    HttpResponse<byte[]> hit = http.get("/bypass:max");
    assertArrayEquals(atTheMaximum, hit.body());
    assertEquals(Optional.of("HIT"), xCache(hit), "a value of exactly the maximum is cached");
    assertEquals(5, redis.getCalls());
  }

  /**
   * {@code bytes} in /cache/stats is the sum of the cached keys' and values' lengths: after a purge
   * of everything it is 0, and with one 500-byte value under the 5-byte key {@code small} it is
   * 505. A value too long to cache adds nothing.
   */
  @Test
  void cachedBytesAreTheKeysAndValuesCached() {
    HttpResponse<byte[]> purged = management.send("DELETE", "/cache");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(0, management.cacheStats().get("bytes").asLong(), "nothing cached");

    redis.binary().set(key("small"), bytes(500, 's'));
    redis.binary().set(key("large"), bytes(2000, 'l'));
    assertEquals(Optional.of("MISS"), xCache(http.get("/small")));
    assertEquals(Optional.of("HIT"), xCache(http.get("/small")));
    assertEquals(Optional.of("BYPASS"), xCache(http.get("/large")));

    JsonNode stats = management.cacheStats();
    assertEquals(5 + 500, stats.get("bytes").asLong(), "the key small and its 500 bytes: " + stats);
    assertEquals(1, stats.get("size").asLong(), stats.toString());
    assertTrue(stats.get("bypassed").asLong() >= 1, stats.toString());
  }

  private static HttpResponse<byte[]> conditionalGet(String path, String ifNoneMatch) {
    return conditional("GET", path, ifNoneMatch);
  }

  /** {@code method path} with {@code If-None-Match: ifNoneMatch}. */
  private static HttpResponse<byte[]> conditional(String method, String path, String ifNoneMatch) {
    HttpRequest request =
        HttpRequest.newBuilder(http.uri(path))
            .timeout(REQUEST_TIMEOUT)
            .header("If-None-Match", ifNoneMatch)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      return conditional.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code max-age} of an entry just loaded with the default GLOBAL_CACHE_EXPIRY, 60 s. */
  private static void assertFreshForTheGlobalExpiry(HttpResponse<byte[]> response) {
    String cacheControl = response.headers().firstValue("Cache-Control").orElse("(none)");
    assertTrue(cacheControl.matches("max-age=(59|60)"), "Cache-Control: " + cacheControl);
  }

  private static String etag(HttpResponse<byte[]> response) {
    return response
        .headers()
        .firstValue("ETag")
        .orElseThrow(() -> new AssertionError("no ETag on " + response.statusCode()));
  }

  private static byte[] key(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int length, char fill) {
    byte[] value = new byte[length];
    Arrays.fill(value, (byte) fill);
    return value;
  }
}
