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
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The status, headers and body of each kind of answer, against one proxy with the default settings.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HttpStatusIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  private static final ProxyClient http = proxy.http();

  @Test
  void
      a_string_is_served_as_its_exact_bytes_first_as_a_miss_then_as_a_hit_that_does_not_reach_Redis() {
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

  @Test
  void an_absent_key_is_404_and_is_not_cached_so_a_later_SET_is_served_at_once() {
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

  @Test
  void an_empty_string_is_200_with_an_empty_body_and_is_cached() {
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

  @Test
  void the_root_path_without_a_key_is_400() {
    assertEquals(400, http.get("/").statusCode());
    assertEquals(400, http.get("/?key=value").statusCode());
    assertEquals(0, redis.getCalls());
  }

  @ParameterizedTest(name = "GET {0}")
  @ValueSource(strings = {"/%zz", "/bad%g1", "/trailing%", "/trailing%4"})
  void a_malformed_percent_escape_is_400_and_never_reaches_Redis(String target) {
    RawHttp.Response response = RawHttp.request(proxy.port(), "GET", target);
    assertEquals(400, response.status(), response.statusLine());
    assertEquals(0, redis.getCalls());
  }

  @ParameterizedTest(name = "GET {0}")
  @ValueSource(strings = {"/%C3", "/abc%C3", "/%C3%28", "/%FF", "/%ED%A0%80"})
  void a_key_that_is_not_valid_UTF_8_after_decoding_is_400(String target) {
    RawHttp.Response response = RawHttp.request(proxy.port(), "GET", target);
    assertEquals(400, response.status(), response.statusLine());
    assertEquals(0, redis.getCalls());
  }

  @Test
  void a_key_holding_a_list_or_a_hash_is_409_with_the_WRONGTYPE_text_from_Redis() {
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

  @Test
  void a_request_line_over_8192_bytes_is_answered_414_promptly() {
    String target = "/" + "x".repeat(9000);
    long start = System.nanoTime();
    RawHttp.Response response =
        RawHttp.exchange(proxy.port(), RawHttp.head("GET", target), false, Duration.ofSeconds(5));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertEquals(414, response.status(), response.statusLine());
    assertTrue(elapsed.compareTo(Duration.ofSeconds(3)) < 0, "answered after " + elapsed);
    assertEquals(0, redis.getCalls());
  }

  @Test
  void a_long_key_whose_request_line_stays_under_the_limit_is_served() {
    String key = "long:" + "k".repeat(8000);
    redis.commands().set(key, "long key value");

    HttpResponse<byte[]> response = http.get("/" + key);
    assertEquals(200, response.statusCode());
    assertEquals("long key value", new String(response.body(), StandardCharsets.UTF_8));
  }

  @Test
  void HEAD_has_the_status_and_headers_of_GET_including_the_value_length_and_no_body() {
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

  @Test
  void
      after_HEAD_and_after_a_POST_with_a_body_the_keep_alive_connection_serves_the_next_request_correctly() {
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

  @Test
  void HEAD_of_an_absent_key_is_404_without_a_body() {
    RawHttp.Response response = RawHttp.request(proxy.port(), "HEAD", "/status:no-such-key");
    assertEquals(404, response.status());
    assertEquals(0, response.trailingBytes());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
  void any_other_method_is_405_with_Allow_GET_HEAD_and_changes_nothing(String method) {
    redis.commands().set("status:method", "untouched");

    HttpResponse<byte[]> response = http.send(method, "/status:method");
    assertEquals(405, response.statusCode());
    assertEquals(Optional.of("GET, HEAD"), response.headers().firstValue("Allow"));
    assertEquals(0, redis.getCalls());
    assertEquals("untouched", redis.commands().get("status:method"));
  }
}
