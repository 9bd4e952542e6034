package io.github.redisproxy.system;

import static io.github.redisproxy.testing.PrometheusText.delta;
import static io.github.redisproxy.testing.PrometheusText.labels;
import static io.github.redisproxy.testing.PrometheusText.moved;
import static io.github.redisproxy.testing.ProxyClient.bodyOf;
import static io.github.redisproxy.testing.ProxyClient.xCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management port's {@code GET /metrics}: Prometheus text (or OpenMetrics) that names the
 * proxy's, the JVM's and Netty's meters, and moves by exactly what the proxy did, checked against
 * Redis' own count of GETs.
 */
class MetricsIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Long enough for ten requests on open connections to reach the cache while Redis is paused, with
   * a wide margin.
   */
  private static final Duration PAUSE = Duration.ofSeconds(1);

  private static final String CACHE_REQUESTS = "redis_proxy_cache_requests_total";
  private static final String LOADS = "redis_proxy_cache_loads_seconds_count";
  private static final String EVICTIONS = "redis_proxy_cache_evictions_total";
  private static final String REQUESTS = "redis_proxy_requests_seconds_count";
  private static final String REQUEST_BUCKETS = "redis_proxy_requests_seconds_bucket";

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** RESP on, a debug line per miss, and a cache configured apart from the defaults. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("REDIS_TIMEOUT", "5")
          .env("LOG_LEVEL", "debug")
          .env("CACHE_CAPACITY", "1000")
          .env("GLOBAL_CACHE_EXPIRY", "120.5")
          .resp()
          .build();

  private static final ProxyClient http = proxy.http();
  private static final ManagementClient management = proxy.management();

  /**
   * {@code /metrics} is Prometheus text that parses line by line and names the proxy's, the JVM's
   * and Netty's meters.
   */
  @Test
  void metricsAreStrictPrometheusText() {
    redis.commands().set("names:k", "v");
    // The timer of GET 200 exists once one is timed.
    assertEquals(200, http.get("/names:k").statusCode());
    Map<String, String> get200 = labels("frontend", "http", "command", "get", "status", "200");

    PrometheusText metrics = // scrape() reads every line strictly and checks the Content-Type
        Polling.until(
            DEADLINE,
            "a GET 200 to be timed",
            () -> management.scrape(),
            m -> m.find(REQUESTS, get200).isPresent());

    Set<String> missing = new TreeSet<>();
    for (String name :
        List.of(
            "redis_proxy_cache_requests_total",
            "redis_proxy_cache_loads_seconds_count",
            "redis_proxy_cache_loads_seconds_sum",
            "redis_proxy_cache_loads_seconds_bucket",
            "redis_proxy_cache_evictions_total",
            "redis_proxy_cache_size",
            "redis_proxy_cache_capacity",
            "redis_proxy_requests_seconds_count",
            "redis_proxy_requests_seconds_sum",
            "redis_proxy_requests_seconds_bucket",
            "redis_proxy_requests_in_flight",
            "redis_proxy_connections",
            "redis_proxy_lookups_running",
            "redis_proxy_lookups_queued",
            "redis_proxy_lookups_rejected_total",
            "redis_proxy_backend_up",
            "redis_proxy_backend_disconnects_total",
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "process_uptime_seconds",
            "netty_eventexecutor_tasks_pending",
            "netty_allocator_memory_used")) {
      if (!metrics.names().contains(name)) {
        missing.add(name);
      }
    }
    assertEquals(Set.of(), missing, "meters missing from /metrics; it has " + metrics.names());

    for (String result : List.of("hit", "miss", "coalesced")) {
      metrics.value(CACHE_REQUESTS, labels("result", result));
    }
    for (String result : List.of("success", "failure")) {
      metrics.value(LOADS, labels("result", result));
    }
    for (String cause : List.of("size", "expired", "purged", "invalidated")) {
      metrics.value(EVICTIONS, labels("cause", cause));
    }
    for (String reason : List.of("queue_full", "queue_timeout")) {
      assertEquals(
          0.0,
          metrics.value("redis_proxy_lookups_rejected_total", labels("reason", reason)),
          reason);
    }
    for (String frontEnd : List.of("http", "resp")) {
      metrics.value("redis_proxy_requests_in_flight", labels("frontend", frontEnd));
      metrics.value("redis_proxy_connections", labels("frontend", frontEnd));
    }
    assertEquals(1000.0, metrics.value("redis_proxy_cache_capacity"));
    assertEquals(1.0, metrics.value("redis_proxy_backend_up"));
    assertEquals(0.0, metrics.value("redis_proxy_lookups_running"));
    assertEquals(0.0, metrics.value("redis_proxy_lookups_queued"));
    assertEquals(Optional.of("counter"), metrics.type("redis_proxy_cache_requests_total"));
    assertEquals(Optional.of("histogram"), metrics.type("redis_proxy_requests_seconds"));
    assertFalse(metrics.samples("netty_eventexecutor_tasks_pending").isEmpty());
    assertTrue(
        metrics.samples("netty_eventexecutor_tasks_pending").stream()
            .allMatch(s -> s.labels().containsKey("name")),
        "each event loop named: " + metrics.samples("netty_eventexecutor_tasks_pending"));
    // 16 fixed bucket boundaries from 100 µs to 10 s, plus +Inf, for each series of a latency
    // histogram.
    List<String> boundaries =
        metrics.samples(REQUEST_BUCKETS).stream()
            .filter(sample -> withoutLe(sample.labels()).equals(get200))
            .map(sample -> sample.labels().get("le"))
            .toList();
    assertEquals(17, boundaries.size(), "buckets of GET 200: " + boundaries);
    assertEquals("+Inf", boundaries.get(boundaries.size() - 1));
  }

  /** Metrics are served as OpenMetrics when the scraper asks for them. */
  @Test
  void openMetricsOnRequest() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(management.uri("/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                .timeout(DEADLINE)
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

    assertEquals(200, response.statusCode());
    assertTrue(
        response
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("application/openmetrics-text"),
        "Content-Type: " + response.headers().firstValue("Content-Type"));
    assertTrue(
        response.body().stripTrailing().endsWith("# EOF"),
        "ends with # EOF: ..." + tail(response.body()));
    assertTrue(
        response.body().contains("\nredis_proxy_cache_requests_total{result=\"hit\"} "),
        response.body());
  }

  /** A miss, two hits and an absent key move the cache and request meters by exactly that much. */
  @Test
  void metersMoveByExactlyWhatTheProxyDid() {
    redis.commands().set("counted:a", "alpha");
    PrometheusText before = management.scrape();

    HttpResponse<byte[]> miss = http.get("/counted:a");
    HttpResponse<byte[]> hit1 = http.get("/counted:a");
    HttpResponse<byte[]> hit2 = http.get("/counted:a");
    HttpResponse<byte[]> absent = http.get("/counted:absent");
    assertEquals(
        List.of(200, 200, 200, 404),
        List.of(miss.statusCode(), hit1.statusCode(), hit2.statusCode(), absent.statusCode()));
    assertEquals(
        List.of(Optional.of("MISS"), Optional.of("HIT"), Optional.of("HIT")),
        List.of(xCache(miss), xCache(hit1), xCache(hit2)));
    assertEquals(2, redis.getCalls(), "Redis GETs: one per miss");

    Map<String, String> get200 = labels("frontend", "http", "command", "get", "status", "200");
    Map<String, String> get404 = labels("frontend", "http", "command", "get", "status", "404");
    // A request is timed when its response has gone out, which may be a moment after the client has
    // read it.
    PrometheusText after =
        Polling.until(
            DEADLINE,
            "the four requests to be timed",
            () -> management.scrape(),
            m ->
                moved(before, m, REQUESTS, get200) >= 3 && moved(before, m, REQUESTS, get404) >= 1);

    assertEquals(2, delta(before, after, CACHE_REQUESTS, labels("result", "hit")), "hits");
    assertEquals(2, delta(before, after, CACHE_REQUESTS, labels("result", "miss")), "misses");
    assertEquals(
        0, delta(before, after, CACHE_REQUESTS, labels("result", "coalesced")), "coalesced");
    assertEquals(
        redis.getCalls(),
        delta(before, after, LOADS, labels("result", "success")),
        "loads = Redis GETs");
    assertEquals(0, delta(before, after, LOADS, labels("result", "failure")), "failed loads");
    assertEquals(
        2,
        delta(
            before,
            after,
            "redis_proxy_cache_loads_seconds_bucket",
            labels("result", "success", "le", "+Inf")),
        "the load histogram's +Inf bucket");
    assertEquals(
        1,
        after.value("redis_proxy_cache_size") - before.value("redis_proxy_cache_size"),
        "cached keys");
    assertEquals(3, delta(before, after, REQUESTS, get200), "GET 200");
    assertEquals(1, delta(before, after, REQUESTS, get404), "GET 404");
    assertEquals(
        3, delta(before, after, REQUEST_BUCKETS, withLe(get200, "+Inf")), "GET 200, +Inf bucket");
    assertEquals(0.0, after.value("redis_proxy_requests_in_flight", labels("frontend", "http")));
  }

  /**
   * Ten concurrent GETs for one cold key count one miss and nine coalesced and reach Redis once.
   */
  @Test
  void concurrentMissesCountOneMissAndTheRestCoalesced() throws Exception {
    int clients = 10;
    String key = "coalesced:k";
    redis.commands().set(key, "shared");
    ProxyClient concurrent = new ProxyClient(proxy);
    // Ten connections opened now and kept alive, so that the GETs under the pause need no
    // connection set-up.
    List<CompletableFuture<HttpResponse<byte[]>>> warmUp = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      warmUp.add(concurrent.getAsync("/coalesced:warm-up-" + i));
    }
    for (CompletableFuture<HttpResponse<byte[]>> response : warmUp) {
      assertEquals(404, response.get(20, TimeUnit.SECONDS).statusCode());
    }
    redis.resetStats();
    PrometheusText before = management.scrape();
    JsonNode statsBefore = management.cacheStats();

    redis.pause(PAUSE);
    RedisServerExtension.PauseProbe pauseProbe = redis.pingBehindThePause();
    List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      responses.add(concurrent.getAsync("/" + key));
    }
    // Log lines come from several event loops, so the one that started the load may be written
    // after some joins.
    proxy.awaitLog(joined(key), clients - 1, LOG_TIMEOUT);
    proxy.awaitLog(started(key), 1, LOG_TIMEOUT);
    pauseProbe.assertStillPaused();

    for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
      HttpResponse<byte[]> answered = response.get(20, TimeUnit.SECONDS);
      assertEquals(200, answered.statusCode());
      assertEquals("shared", bodyOf(answered));
      assertEquals(Optional.of("MISS"), xCache(answered), "a GET that joined a load is a miss too");
    }
    assertEquals(1, redis.getCalls(), "Redis GETs for " + clients + " concurrent misses");
    assertEquals(1, proxy.linesMatching(started(key)).size(), "loads started");
    assertEquals(clients - 1, proxy.linesMatching(joined(key)).size(), "GETs that joined the load");

    PrometheusText after = management.scrape();
    JsonNode statsAfter = management.cacheStats();
    assertEquals(0, delta(before, after, CACHE_REQUESTS, labels("result", "hit")), "hits");
    assertEquals(1, delta(before, after, CACHE_REQUESTS, labels("result", "miss")), "misses");
    assertEquals(
        clients - 1,
        delta(before, after, CACHE_REQUESTS, labels("result", "coalesced")),
        "coalesced");
    assertEquals(1, delta(before, after, LOADS, labels("result", "success")), "loads");
    assertEquals(
        0, statsAfter.get("hits").asLong() - statsBefore.get("hits").asLong(), "/cache/stats hits");
    assertEquals(
        1,
        statsAfter.get("misses").asLong() - statsBefore.get("misses").asLong(),
        "/cache/stats misses");
    assertEquals(
        clients - 1,
        statsAfter.get("coalesced").asLong() - statsBefore.get("coalesced").asLong(),
        "/cache/stats coalesced");
  }

  /** RESP commands are timed by command name and outcome and the RESP connection is counted. */
  @Test
  void respCommandsAreTimedByNameAndOutcome() {
    redis.commands().set("resp-counted:k", "v");
    Map<String, String> connections = labels("frontend", "resp");
    PrometheusText before = management.scrape();
    assertEquals(
        0.0, before.value("redis_proxy_connections", connections), "RESP connections before");

    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.bulk("v"), resp.call("GET", "resp-counted:k"));
      assertEquals(RawResp.NIL, resp.call("GET", "resp-counted:absent"));
      assertEquals(RawResp.simple("PONG"), resp.call("PING"));
      assertTrue(
          resp.call("GET").startsWith("-ERR wrong number of arguments"), "GET without a key");
      assertTrue(resp.call("SET", "resp-counted:k", "w").startsWith("-ERR"), "SET");
      assertTrue(
          resp.call("NOSUCHCOMMAND").startsWith("-ERR unknown command"), "an unknown command");

      PrometheusText during = management.scrape();
      assertEquals(
          1.0,
          during.value("redis_proxy_connections", connections),
          "RESP connections while one is open");
      assertEquals(
          2, delta(before, during, REQUESTS, resp("get", "ok")), "GET ok (a value, and nil)");
      assertEquals(1, delta(before, during, REQUESTS, resp("get", "error")), "GET error");
      assertEquals(1, delta(before, during, REQUESTS, resp("ping", "ok")), "PING ok");
      assertEquals(
          2,
          delta(before, during, REQUESTS, resp("other", "error")),
          "SET and NOSUCHCOMMAND: other, error");
      assertTrue(
          during.find(REQUESTS, resp("set", "error")).isEmpty(),
          "a command outside the table is other");
      assertTrue(
          during.find(REQUESTS, resp("nosuchcommand", "error")).isEmpty(),
          "clients add no tag values");
      assertEquals(0.0, during.value("redis_proxy_requests_in_flight", labels("frontend", "resp")));
    }
    Polling.until(
        DEADLINE,
        "the closed RESP connection to be uncounted",
        () -> management.scrape(),
        metrics -> metrics.value("redis_proxy_connections", connections) == 0.0);
    assertEquals(2, redis.getCalls(), "one Redis GET per miss: the value and the absent key");
  }

  /**
   * An HTTP keep-alive connection is counted once however many requests it carries.
   *
   * <p>A keep-alive HTTP connection counts once however many requests it carries (Reactor Netty
   * sees each HTTP/1.1 request as a connection of its own, so counting per request would grow with
   * traffic and never come back down).
   */
  @Test
  void keepAliveConnectionIsCountedOnce() {
    redis.commands().set("http-counted:k", "v");
    Map<String, String> connections = labels("frontend", "http");
    double before = management.scrape().value("redis_proxy_connections", connections);
    try (RawHttp.KeepAlive client = new RawHttp.KeepAlive(proxy.port(), Duration.ofSeconds(10))) {
      for (int i = 0; i < 5; i++) {
        assertEquals(200, client.get("/http-counted:k").status());
      }
      double during = management.scrape().value("redis_proxy_connections", connections);
      assertEquals(before + 1, during, "HTTP connections while one more is open after 5 requests");
    }
    Polling.until(
        DEADLINE,
        "the closed HTTP connection to be uncounted",
        () -> management.scrape(),
        metrics -> metrics.value("redis_proxy_connections", connections) == before);
  }

  /**
   * A 400 and a 405 on the proxy port are timed under their status, not as cancelled.
   *
   * <p>Answers the proxy port gives at once, without a lookup: 400 for a bad key, 405 for a method
   * other than GET and HEAD. Each is timed under its HTTP status as text, like every other answer;
   * {@code cancelled} is only for a client that went away before its answer.
   */
  @Test
  void refusedRequestsAreTimedUnderTheirStatus() {
    Map<String, String> get400 = labels("frontend", "http", "command", "get", "status", "400");
    Map<String, String> other405 = labels("frontend", "http", "command", "other", "status", "405");
    PrometheusText before = management.scrape();

    assertEquals(400, RawHttp.request(proxy.port(), "GET", "/timed:%zz").status());
    assertEquals(400, RawHttp.request(proxy.port(), "GET", "/").status());
    assertEquals(405, http.send("POST", "/timed:k").statusCode());
    assertEquals(405, http.send("DELETE", "/timed:k").statusCode());

    PrometheusText after =
        Polling.until(
            DEADLINE,
            "the four requests to be timed",
            () -> management.scrape(),
            m -> httpRequests(m) - httpRequests(before) >= 4);
    String series =
        "; the HTTP series that moved: "
            + after.samples(REQUESTS).stream()
                .filter(s -> "http".equals(s.labels().get("frontend")))
                .filter(s -> s.value() != before.valueOrZero(REQUESTS, s.labels()))
                .map(
                    s -> s.labels() + " +" + (s.value() - before.valueOrZero(REQUESTS, s.labels())))
                .toList();
    assertEquals(
        4, (long) (httpRequests(after) - httpRequests(before)), "HTTP requests timed" + series);
    assertEquals(2, (long) moved(before, after, REQUESTS, get400), "GET 400" + series);
    assertEquals(
        2, (long) moved(before, after, REQUESTS, other405), "POST and DELETE, 405" + series);
  }

  /** Every HTTP request timed so far, whatever its command and status. */
  private static double httpRequests(PrometheusText metrics) {
    return metrics.samples(REQUESTS).stream()
        .filter(s -> "http".equals(s.labels().get("frontend")))
        .mapToDouble(PrometheusText.Sample::value)
        .sum();
  }

  private static Map<String, String> resp(String command, String status) {
    return labels("frontend", "resp", "command", command, "status", status);
  }

  private static Map<String, String> withLe(Map<String, String> labels, String le) {
    Map<String, String> with = new HashMap<>(labels);
    with.put("le", le);
    return with;
  }

  private static Map<String, String> withoutLe(Map<String, String> labels) {
    Map<String, String> without = new HashMap<>(labels);
    without.remove("le");
    return without;
  }

  private static String tail(String text) {
    return text.substring(Math.max(0, text.length() - 200));
  }

  private static Pattern started(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
  }

  private static Pattern joined(String key) {
    return Pattern.compile("coalesced key=" + Pattern.quote(key) + " joined the load in flight$");
  }
}
