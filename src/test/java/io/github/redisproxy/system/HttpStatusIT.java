package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The status, headers and body of each kind of answer, against one proxy with the default settings.
 */
class HttpStatusIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  private static final ProxyClient http = proxy.http();

  /**
   * A string is served as its exact bytes, first as a miss, then as a hit that does not reach
   * Redis.
   */
  @Test
  void missThenHit() {
    redis.commands().set("status:greeting", "hello, world");

    HttpResponse<byte[]> first = http.get("/status:greeting");
    assertAll(
        () -> assertEquals(200, first.statusCode()),
        () -> assertArrayEquals("hello, world".getBytes(StandardCharsets.UTF_8), first.body()),
        () ->
            assertEquals(
                Optional.of("application/octet-stream"),
                first.headers().firstValue("Content-Type")),
        () -> assertEquals(Optional.of("MISS"), first.headers().firstValue("X-Cache")),
        () -> assertEquals(Optional.of("12"), first.headers().firstValue("Content-Length")));
    assertEquals(1, redis.getCalls());

    HttpResponse<byte[]> second = http.get("/status:greeting");
    assertAll(
        () -> assertEquals(200, second.statusCode()),
        () -> assertArrayEquals("hello, world".getBytes(StandardCharsets.UTF_8), second.body()),
        () ->
            assertEquals(
                Optional.of("application/octet-stream"),
                second.headers().firstValue("Content-Type")),
        () -> assertEquals(Optional.of("HIT"), second.headers().firstValue("X-Cache")));
    assertEquals(1, redis.getCalls(), "the hit must not have reached Redis");
  }

  /** An absent key is 404 and is not cached so a later SET is served at once. */
  @Test
  void absentKeyIs404AndNotCached() {
    HttpResponse<byte[]> absent = http.get("/status:later");
    assertEquals(404, absent.statusCode());
    assertEquals(Optional.empty(), absent.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());

    redis.commands().set("status:later", "now here");

    HttpResponse<byte[]> present = http.get("/status:later");
    assertEquals(200, present.statusCode());
    assertEquals("now here", new String(present.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), present.headers().firstValue("X-Cache"));
    assertEquals(2, redis.getCalls());
  }

  /** An empty string is 200 with an empty body and is cached. */
  @Test
  void emptyStringIsServedAndCached() {
    redis.commands().set("status:empty", "");

    HttpResponse<byte[]> first = http.get("/status:empty");
    assertEquals(200, first.statusCode());
    assertEquals(0, first.body().length);
    assertEquals(Optional.of("0"), first.headers().firstValue("Content-Length"));
    assertEquals(Optional.of("MISS"), first.headers().firstValue("X-Cache"));

    HttpResponse<byte[]> second = http.get("/status:empty");
    assertEquals(200, second.statusCode());
    assertEquals(Optional.of("HIT"), second.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());
  }

  /** The root path without a key is 400. */
  @Test
  void rootPathIs400() {
    assertEquals(400, http.get("/").statusCode());
    assertEquals(400, http.get("/?key=value").statusCode());
    assertEquals(0, redis.getCalls());
  }

  /** A malformed percent escape is 400 and never reaches Redis. */
  @ParameterizedTest(name = "GET {0}")
  @ValueSource(strings = {"/%zz", "/bad%g1", "/trailing%", "/trailing%4"})
  void malformedPercentEscapeIs400(String target) {
    RawHttp.Response response = RawHttp.request(proxy.port(), "GET", target);
    assertEquals(400, response.status(), response.statusLine());
    assertEquals(0, redis.getCalls());
  }

  /** A key that is not valid UTF-8 after decoding is 400. */
  @ParameterizedTest(name = "GET {0}")
  @ValueSource(strings = {"/%C3", "/abc%C3", "/%C3%28", "/%FF", "/%ED%A0%80"})
  void invalidUtf8KeyIs400(String target) {
    RawHttp.Response response = RawHttp.request(proxy.port(), "GET", target);
    assertEquals(400, response.status(), response.statusLine());
    assertEquals(0, redis.getCalls());
  }

  /** A key holding a list or a hash is 409 with the WRONGTYPE text from Redis. */
  @Test
  void wrongTypeIs409() {
    redis.commands().rpush("status:list", "a", "b");
    redis.commands().hset("status:hash", "field", "value");

    HttpResponse<byte[]> list = http.get("/status:list");
    assertEquals(409, list.statusCode());
    assertTrue(
        new String(list.body(), StandardCharsets.UTF_8).contains("WRONGTYPE"),
        new String(list.body()));
    assertEquals(Optional.empty(), list.headers().firstValue("X-Cache"));

    HttpResponse<byte[]> hash = http.get("/status:hash");
    assertEquals(409, hash.statusCode());
    assertTrue(
        new String(hash.body(), StandardCharsets.UTF_8).contains("WRONGTYPE"),
        new String(hash.body()));
  }

  /** A request line over 8192 bytes is answered 414 promptly. */
  @Test
  void overlongRequestLineIs414() {
    String target = "/" + "x".repeat(9000);
    long start = System.nanoTime();
    RawHttp.Response response =
        RawHttp.exchange(proxy.port(), RawHttp.head("GET", target), false, Duration.ofSeconds(5));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertEquals(414, response.status(), response.statusLine());
    assertTrue(elapsed.compareTo(Duration.ofSeconds(3)) < 0, "answered after " + elapsed);
    assertEquals(0, redis.getCalls());
  }

  /** A long key whose request line stays under the limit is served. */
  @Test
  void longKeyUnderTheLimitIsServed() {
    String key = "long:" + "k".repeat(8000);
    redis.commands().set(key, "long key value");

    HttpResponse<byte[]> response = http.get("/" + key);
    assertEquals(200, response.statusCode());
    assertEquals("long key value", new String(response.body(), StandardCharsets.UTF_8));
  }

  /** HEAD has the status and headers of GET including the value length and no body. */
  @Test
  void headAnswersLikeGetWithoutBody() {
    redis.commands().set("status:head", "twelve bytes");

    RawHttp.Response first = RawHttp.request(proxy.port(), "HEAD", "/status:head");
    assertAll(
        () -> assertEquals(200, first.status()),
        () -> assertEquals(Optional.of("12"), first.header("Content-Length")),
        () -> assertEquals(Optional.of("application/octet-stream"), first.header("Content-Type")),
        () -> assertEquals(Optional.of("MISS"), first.header("X-Cache")),
        () -> assertEquals(0, first.trailingBytes(), "bytes after the HEAD response head"));

    RawHttp.Response second = RawHttp.request(proxy.port(), "HEAD", "/status:head");
    assertEquals(200, second.status());
    assertEquals(Optional.of("HIT"), second.header("X-Cache"));
    assertEquals(Optional.of("12"), second.header("Content-Length"));
    assertEquals(0, second.trailingBytes(), "bytes after the HEAD response head");

    RawHttp.Response get = RawHttp.request(proxy.port(), "GET", "/status:head");
    assertEquals("twelve bytes", get.bodyText());
    assertEquals(0, get.trailingBytes());
    assertEquals(1, redis.getCalls());
  }

  /**
   * After HEAD, and after a POST with a body, the keep-alive connection serves the next request
   * correctly.
   */
  @Test
  void keepAliveConnectionSurvivesHeadAndPost() {
    redis.commands().set("status:reuse", "reused connection");

    try (RawHttp.KeepAlive connection =
        new RawHttp.KeepAlive(proxy.port(), Duration.ofSeconds(5))) {
      RawHttp.Response head = connection.send("HEAD", "/status:reuse", null);
      assertEquals(200, head.status());
      assertEquals(Optional.of("17"), head.header("Content-Length"));

      RawHttp.Response afterHead = connection.get("/status:reuse");
      assertEquals(
          200, afterHead.status(), "a HEAD that sent body bytes would garble this response");
      assertEquals("reused connection", afterHead.bodyText());

      byte[] smuggled =
          "GET /status:smuggled HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      RawHttp.Response post = connection.send("POST", "/status:reuse", smuggled);
      assertEquals(405, post.status());
      assertEquals(Optional.of("GET, HEAD"), post.header("Allow"));

      RawHttp.Response afterPost = connection.get("/status:reuse");
      assertEquals(
          200, afterPost.status(), "the POST body must be discarded, never read as a request");
      assertEquals("reused connection", afterPost.bodyText());
    }
    assertEquals(1, redis.getCalls());
  }

  /** HEAD of an absent key is 404 without a body. */
  @Test
  void headOfAbsentKeyIs404() {
    RawHttp.Response response = RawHttp.request(proxy.port(), "HEAD", "/status:no-such-key");
    assertEquals(404, response.status());
    assertEquals(0, response.trailingBytes());
  }

  /** Any other method is 405 with Allow: GET, HEAD and changes nothing. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
  void otherMethodsAre405(String method) {
    redis.commands().set("status:method", "untouched");

    HttpResponse<byte[]> response = http.send(method, "/status:method");
    assertEquals(405, response.statusCode());
    assertEquals(Optional.of("GET, HEAD"), response.headers().firstValue("Allow"));
    assertEquals(0, redis.getCalls());
    assertEquals("untouched", redis.commands().get("status:method"));
  }
}
