package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a request path becomes a Redis key: the whole path after the first {@code /}, percent-decoded
 * as UTF-8, the query string ignored. Where two paths name the same key, the second request is a
 * cache hit, which proves that the proxy mapped both to one key rather than to two keys that happen
 * to hold the same value.
 */
class KeyMappingIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  private static final ProxyClient http = proxy.http();

  /** An encoded slash and a literal slash both name the key with a slash. */
  @Test
  void encodedAndLiteralSlashNameOneKey() {
    redis.commands().set("dir/file", "slash value");

    assertServed("/dir%2Ffile", "slash value", "MISS");
    assertServed("/dir/file", "slash value", "HIT");
    assertServed("/dir%2ffile", "slash value", "HIT");
    assertEquals(1, redis.getCalls());
  }

  /** Leading and doubled slashes stay part of the key. */
  @Test
  void extraSlashesStayInTheKey() {
    redis.commands().set("/rooted", "rooted value");
    redis.commands().set("a//b", "double slash value");

    assertServed("//rooted", "rooted value", "MISS");
    assertServed("/%2Frooted", "rooted value", "HIT");
    assertServed("/a//b", "double slash value", "MISS");
    assertEquals(404, http.get("/rooted").statusCode());
  }

  /** An encoded space is a space in the key. */
  @Test
  void encodedSpaceIsASpace() {
    redis.commands().set("hello world", "space value");

    assertServed("/hello%20world", "space value", "MISS");
    assertEquals(1, redis.getCalls());
  }

  @Test
  void percentEncodedUtf8NamesAUnicodeKey() {
    redis.commands().set("é", "e acute");
    redis.commands().set("café/日本", "mixed");

    assertServed("/%C3%A9", "e acute", "MISS");
    assertServed("/caf%C3%A9/%E6%97%A5%E6%9C%AC", "mixed", "MISS");
    assertServed("/caf%C3%A9%2F%E6%97%A5%E6%9C%AC", "mixed", "HIT");
  }

  /** A plus stays a plus and does not mean a space. */
  @Test
  void plusStaysAPlus() {
    redis.commands().set("a+b", "plus value");
    redis.commands().set("c d", "space value");

    assertServed("/a+b", "plus value", "MISS");
    assertServed("/a%2Bb", "plus value", "HIT");
    assertEquals(404, http.get("/c+d").statusCode());
  }

  @Test
  void queryStringIsIgnored() {
    redis.commands().set("queried", "query value");

    assertServed("/queried?x=1", "query value", "MISS");
    assertServed("/queried?", "query value", "HIT");
    assertServed("/queried?other=2&x=y%20z", "query value", "HIT");
    RawHttp.Response badQuery = RawHttp.request(proxy.port(), "GET", "/queried?x=%zz");
    assertEquals(200, badQuery.status(), "a malformed escape in the ignored query string");
    assertEquals("query value", badQuery.bodyText());
    assertEquals(1, redis.getCalls());
  }

  @Test
  void encodedQuestionMarkIsInTheKey() {
    redis.commands().set("what?", "question value");

    assertServed("/what%3F", "question value", "MISS");
    assertEquals(404, http.get("/what").statusCode());
  }

  /** Names that look like endpoints are ordinary keys. */
  @ParameterizedTest(name = "/{0}")
  @ValueSource(strings = {"health", "healthz", "metrics", "favicon.ico", "index.html", "ready"})
  void endpointLikeNamesAreOrdinaryKeys(String key) {
    assertEquals(404, http.get("/" + key).statusCode());

    redis.commands().set(key, "value of " + key);

    assertServed("/" + key, "value of " + key, "MISS");
    assertEquals(2, redis.getCalls());
  }

  private static void assertServed(String path, String value, String cache) {
    HttpResponse<byte[]> response = http.get(path);
    assertEquals(200, response.statusCode(), "GET " + path);
    assertEquals(value, new String(response.body(), StandardCharsets.UTF_8), "GET " + path);
    assertEquals(Optional.of(cache), response.headers().firstValue("X-Cache"), "GET " + path);
  }
}
