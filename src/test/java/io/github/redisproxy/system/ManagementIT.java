package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The management port (MANAGEMENT_PORT): readiness and liveness probes, Prometheus metrics that
 * move by exactly what the proxy did (checked against Redis' own count of GETs), the cache's JSON
 * summary, and purges; apart from the proxy port, whose key namespace it never touches.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ManagementIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Long enough for ten requests on open connections to reach the cache while Redis is paused, with
   * a wide margin.
   */
  private static final Duration PAUSE = Duration.ofSeconds(1);

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
  private static final String APPLICATION_JSON = "application/json";

  private static final String CACHE_REQUESTS = "redis_proxy_cache_requests_total";
  private static final String LOADS = "redis_proxy_cache_loads_seconds_count";
  private static final String EVICTIONS = "redis_proxy_cache_evictions_total";
  private static final String REQUESTS = "redis_proxy_requests_seconds_count";
  private static final String REQUEST_BUCKETS = "redis_proxy_requests_seconds_bucket";

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /**
   * The proxy most tests share: RESP on, a debug line per miss, and a cache configured apart from
   * the defaults.
   */
  private static ProxyProcess proxy;

  private static ProxyClient http;
  private static ProxyClient management;

  /**
   * A second proxy, configured unlike the first: a short REDIS_TIMEOUT (for the Redis outage) and a
   * tinylfu cache of 500 keys that expire after 30 s.
   */
  private static ProxyProcess tinyProxy;

  private static ProxyClient tinyHttp;
  private static ProxyClient tinyManagement;

  @BeforeAll
  static void startProxies() {
    proxy =
        ProxyProcess.startWithResp(
            Map.of(
                "REDIS_ADDRESS", redis.address(),
                "REDIS_TIMEOUT", "5",
                "LOG_LEVEL", "debug",
                "CACHE_CAPACITY", "1000",
                "GLOBAL_CACHE_EXPIRY", "120.5"));
    proxy.awaitBackendReady();
    http = new ProxyClient(proxy);
    management = new ProxyClient(proxy.managementPort());
    tinyProxy =
        ProxyProcess.start(
            Map.of(
                "REDIS_ADDRESS", redis.address(),
                "REDIS_TIMEOUT", "0.5",
                "CACHE_POLICY", "tinylfu",
                "CACHE_CAPACITY", "500",
                "GLOBAL_CACHE_EXPIRY", "30"));
    tinyProxy.awaitBackendReady();
    tinyHttp = new ProxyClient(tinyProxy);
    tinyManagement = new ProxyClient(tinyProxy.managementPort());
  }

  @AfterAll
  static void stopProxies() {
    try {
      if (tinyProxy != null) {
        tinyProxy.closeAndAssertNoErrorsLogged();
      }
    } finally {
      if (proxy != null) {
        proxy.closeAndAssertNoErrorsLogged();
      }
    }
  }

  /** A test that stopped Redis leaves it running again, and both proxies connected to it. */
  @AfterEach
  void restartRedisIfStopped() {
    redis.start();
    for (ProxyClient probe : List.of(management, tinyManagement)) {
      Polling.until(
          DEADLINE,
          "the proxies to reach Redis again",
          () -> probe.get("/health"),
          r -> r.statusCode() == 200);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Health

  @Test
  void
      health_is_UP_while_Redis_answers_DOWN_with_a_reason_while_it_is_stopped_and_UP_again_once_it_is_back() {
    ProxyClient probe = tinyManagement; // REDIS_TIMEOUT=0.5
    String address = "redis://" + redis.address();

    HttpResponse<byte[]> up = probe.get("/health");
    assertEquals(200, up.statusCode(), bodyOf(up));
    JsonNode upBody = json(up);
    assertEquals(Set.of("status", "redis"), fieldNames(upBody));
    assertEquals("UP", upBody.get("status").asText());
    assertEquals(Set.of("status", "address", "ping_ms"), fieldNames(upBody.get("redis")));
    assertEquals("UP", upBody.get("redis").get("status").asText());
    assertEquals(address, upBody.get("redis").get("address").asText());
    double pingMillis = upBody.get("redis").get("ping_ms").asDouble();
    assertTrue(upBody.get("redis").get("ping_ms").isNumber(), "ping_ms is a number: " + upBody);
    assertTrue(
        pingMillis >= 0 && pingMillis < 700,
        "ping_ms within REDIS_TIMEOUT (+ 200 ms): " + pingMillis);
    assertLive(probe);
    PrometheusText before = scrape(probe);
    assertEquals(1.0, before.value("redis_proxy_backend_up"));
    double disconnects = before.value("redis_proxy_backend_disconnects_total");

    redis.stop();

    HttpResponse<byte[]> down =
        Polling.until(
            DEADLINE,
            "/health to report DOWN",
            () -> probe.get("/health"),
            r -> r.statusCode() != 200);
    assertEquals(503, down.statusCode(), bodyOf(down));
    JsonNode downBody = json(down);
    assertEquals("DOWN", downBody.get("status").asText());
    assertEquals(
        Set.of("status", "address", "ping_ms", "reason"), fieldNames(downBody.get("redis")));
    assertEquals("DOWN", downBody.get("redis").get("status").asText());
    assertEquals(address, downBody.get("redis").get("address").asText());
    assertFalse(downBody.get("redis").get("reason").asText().isBlank(), "a reason: " + downBody);

    long start = System.nanoTime();
    HttpResponse<byte[]> stillDown = probe.get("/health");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, stillDown.statusCode(), bodyOf(stillDown));
    assertTrue(
        elapsed.compareTo(Duration.ofMillis(1500)) < 0,
        "DOWN answered within REDIS_TIMEOUT + 1 s: " + elapsed);
    assertLive(probe);
    PrometheusText outage =
        Polling.until(
            DEADLINE,
            "redis_proxy_backend_up to drop to 0",
            () -> scrape(probe),
            metrics -> metrics.value("redis_proxy_backend_up") == 0.0);
    assertEquals(
        disconnects + 1,
        outage.value("redis_proxy_backend_disconnects_total"),
        "one connection lost");

    redis.start();

    HttpResponse<byte[]> back =
        Polling.until(
            DEADLINE,
            "/health to report UP again",
            () -> probe.get("/health"),
            r -> r.statusCode() == 200);
    JsonNode backBody = json(back);
    assertEquals("UP", backBody.get("status").asText());
    assertEquals("UP", backBody.get("redis").get("status").asText());
    assertLive(probe);
    PrometheusText after = scrape(probe);
    assertEquals(1.0, after.value("redis_proxy_backend_up"));
    assertEquals(
        disconnects + 1,
        after.value("redis_proxy_backend_disconnects_total"),
        "one connection lost, in all");
  }

  private static void assertLive(ProxyClient probe) {
    HttpResponse<byte[]> live = probe.get("/health/live");
    assertEquals(200, live.statusCode(), bodyOf(live));
    assertEquals(JSON.createObjectNode().put("status", "UP"), json(live));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Metrics

  @Test
  void
      metrics_is_Prometheus_text_that_parses_line_by_line_and_names_the_proxys_JVM_and_Netty_meters() {
    redis.commands().set("names:k", "v");
    assertEquals(
        200, http.get("/names:k").statusCode()); // the timer of GET 200 exists once one is timed
    Map<String, String> get200 = labels("frontend", "http", "command", "get", "status", "200");

    PrometheusText metrics = // scrape() reads every line strictly and checks the Content-Type
        Polling.until(
            DEADLINE,
            "a GET 200 to be timed",
            () -> scrape(management),
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

  @Test
  void metrics_are_served_as_OpenMetrics_when_the_scraper_asks_for_them() throws Exception {
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

  @Test
  void a_miss_two_hits_and_an_absent_key_move_the_cache_and_request_meters_by_exactly_that_much() {
    redis.commands().set("counted:a", "alpha");
    PrometheusText before = scrape(management);

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
            () -> scrape(management),
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

  @Test
  void ten_concurrent_GETs_for_one_cold_key_count_one_miss_and_nine_coalesced_and_reach_Redis_once()
      throws Exception {
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
    PrometheusText before = scrape(management);
    JsonNode statsBefore = stats(management);

    redis.pause(PAUSE);
    RawResp pauseProbe = pingBehindThePause();
    List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      responses.add(concurrent.getAsync("/" + key));
    }
    // Log lines come from several event loops, so the one that started the load may be written
    // after some joins.
    proxy.awaitLog(joined(key), clients - 1, LOG_TIMEOUT);
    proxy.awaitLog(started(key), 1, LOG_TIMEOUT);
    assertStillPaused(pauseProbe);

    for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
      HttpResponse<byte[]> answered = response.get(20, TimeUnit.SECONDS);
      assertEquals(200, answered.statusCode());
      assertEquals("shared", bodyOf(answered));
      assertEquals(Optional.of("MISS"), xCache(answered), "a GET that joined a load is a miss too");
    }
    assertEquals(1, redis.getCalls(), "Redis GETs for " + clients + " concurrent misses");
    assertEquals(1, proxy.linesMatching(started(key)).size(), "loads started");
    assertEquals(clients - 1, proxy.linesMatching(joined(key)).size(), "GETs that joined the load");

    PrometheusText after = scrape(management);
    JsonNode statsAfter = stats(management);
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

  @Test
  void RESP_commands_are_timed_by_command_name_and_outcome_and_the_RESP_connection_is_counted() {
    redis.commands().set("resp-counted:k", "v");
    Map<String, String> connections = labels("frontend", "resp");
    PrometheusText before = scrape(management);
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

      PrometheusText during = scrape(management);
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
        () -> scrape(management),
        metrics -> metrics.value("redis_proxy_connections", connections) == 0.0);
    assertEquals(2, redis.getCalls(), "one Redis GET per miss: the value and the absent key");
  }

  /**
   * A keep-alive HTTP connection counts once however many requests it carries (Reactor Netty sees
   * each HTTP/1.1 request as a connection of its own, so counting per request would grow with
   * traffic and never come back down).
   */
  @Test
  void an_HTTP_keep_alive_connection_is_counted_once_however_many_requests_it_carries() {
    redis.commands().set("http-counted:k", "v");
    Map<String, String> connections = labels("frontend", "http");
    double before = scrape(management).value("redis_proxy_connections", connections);
    try (RawHttp.KeepAlive client = new RawHttp.KeepAlive(proxy.port(), Duration.ofSeconds(10))) {
      for (int i = 0; i < 5; i++) {
        assertEquals(200, client.get("/http-counted:k").status());
      }
      double during = scrape(management).value("redis_proxy_connections", connections);
      assertEquals(before + 1, during, "HTTP connections while one more is open after 5 requests");
    }
    Polling.until(
        DEADLINE,
        "the closed HTTP connection to be uncounted",
        () -> scrape(management),
        metrics -> metrics.value("redis_proxy_connections", connections) == before);
  }

  /**
   * Answers the proxy port gives at once, without a lookup: 400 for a bad key, 405 for a method
   * other than GET and HEAD. Each is timed under its HTTP status as text, like every other answer;
   * {@code cancelled} is only for a client that went away before its answer.
   */
  @Test
  void a_400_and_a_405_on_the_proxy_port_are_timed_under_their_status_not_as_cancelled() {
    Map<String, String> get400 = labels("frontend", "http", "command", "get", "status", "400");
    Map<String, String> other405 = labels("frontend", "http", "command", "other", "status", "405");
    PrometheusText before = scrape(management);

    assertEquals(400, RawHttp.request(proxy.port(), "GET", "/timed:%zz").status());
    assertEquals(400, RawHttp.request(proxy.port(), "GET", "/").status());
    assertEquals(405, http.send("POST", "/timed:k").statusCode());
    assertEquals(405, http.send("DELETE", "/timed:k").statusCode());

    PrometheusText after =
        Polling.until(
            DEADLINE,
            "the four requests to be timed",
            () -> scrape(management),
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

  // ---------------------------------------------------------------------------------------------------------------
  // /cache/stats

  @Test
  void cache_stats_describes_the_configured_cache_and_agrees_with_the_Prometheus_counters() {
    redis.commands().set("stats:k", "v");
    assertEquals(Optional.of("MISS"), xCache(http.get("/stats:k")));
    assertEquals(Optional.of("HIT"), xCache(http.get("/stats:k")));

    HttpResponse<byte[]> response = management.get("/cache/stats");
    PrometheusText metrics = scrape(management); // no request in between: the same moment

    assertEquals(200, response.statusCode());
    JsonNode stats = json(response);
    assertEquals(
        Set.of(
            "policy",
            "capacity",
            "size",
            "expiry_seconds",
            "invalidation",
            "hits",
            "misses",
            "coalesced",
            "hit_ratio",
            "evictions"),
        fieldNames(stats));
    assertEquals("lru", stats.get("policy").asText());
    assertEquals(1000, stats.get("capacity").asLong());
    assertEquals(120.5, stats.get("expiry_seconds").asDouble());
    assertEquals("tracking", stats.get("invalidation").asText());

    long hits = stats.get("hits").asLong();
    long misses = stats.get("misses").asLong();
    long coalesced = stats.get("coalesced").asLong();
    assertTrue(hits >= 1 && misses >= 1, "a hit and a miss at least: " + stats);
    assertEquals(metrics.value(CACHE_REQUESTS, labels("result", "hit")), hits, "hits");
    assertEquals(metrics.value(CACHE_REQUESTS, labels("result", "miss")), misses, "misses");
    assertEquals(
        metrics.value(CACHE_REQUESTS, labels("result", "coalesced")), coalesced, "coalesced");
    assertEquals(
        (double) hits / (hits + misses + coalesced),
        stats.get("hit_ratio").asDouble(),
        1e-9,
        "hit_ratio");
    assertEquals(metrics.value("redis_proxy_cache_size"), stats.get("size").asLong(), "size");
    assertEquals(
        metrics.value("redis_proxy_cache_capacity"), stats.get("capacity").asLong(), "capacity");
    JsonNode evictions = stats.get("evictions");
    assertEquals(Set.of("size", "expired", "purged", "invalidated"), fieldNames(evictions));
    for (String cause : List.of("size", "expired", "purged", "invalidated")) {
      assertEquals(
          metrics.value(EVICTIONS, labels("cause", cause)),
          evictions.get(cause).asLong(),
          "evictions " + cause);
    }
  }

  @Test
  void
      cache_stats_of_a_tinylfu_proxy_shows_its_policy_capacity_and_expiry_and_counts_its_own_lookups() {
    redis.commands().set("tiny-stats:k", "v");
    JsonNode before = stats(tinyManagement);
    assertEquals("tinylfu", before.get("policy").asText());
    assertEquals(500, before.get("capacity").asLong());
    assertTrue(before.get("expiry_seconds").isNumber(), "expiry_seconds is a number: " + before);
    assertEquals(30, before.get("expiry_seconds").asDouble());
    assertEquals("tracking", before.get("invalidation").asText());
    assertEquals(500.0, scrape(tinyManagement).value("redis_proxy_cache_capacity"));

    assertEquals(Optional.of("MISS"), xCache(tinyHttp.get("/tiny-stats:k")));
    assertEquals(Optional.of("HIT"), xCache(tinyHttp.get("/tiny-stats:k")));
    assertEquals(Optional.of("HIT"), xCache(tinyHttp.get("/tiny-stats:k")));

    JsonNode after = stats(tinyManagement);
    assertEquals(2, after.get("hits").asLong() - before.get("hits").asLong(), "hits");
    assertEquals(1, after.get("misses").asLong() - before.get("misses").asLong(), "misses");
    assertEquals(
        0, after.get("coalesced").asLong() - before.get("coalesced").asLong(), "coalesced");
    assertEquals(1, after.get("size").asLong() - before.get("size").asLong(), "size");
    assertEquals(1, redis.getCalls(), "Redis GETs");
    long all =
        after.get("hits").asLong() + after.get("misses").asLong() + after.get("coalesced").asLong();
    assertEquals(
        (double) after.get("hits").asLong() / all,
        after.get("hit_ratio").asDouble(),
        1e-9,
        "hit_ratio");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Purges

  @Test
  void
      purging_a_cached_key_makes_the_next_GET_a_miss_that_reaches_Redis_and_purging_it_again_finds_nothing() {
    redis.commands().set("purge:one", "first");
    assertEquals(Optional.of("MISS"), xCache(http.get("/purge:one")));
    assertEquals(Optional.of("HIT"), xCache(http.get("/purge:one")));
    assertEquals(1, redis.getCalls());
    PrometheusText before = scrape(management);

    HttpResponse<byte[]> purged = management.send("DELETE", "/cache/purge:one");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(purgeAnswer("purge:one", true), json(purged));
    HttpResponse<byte[]> again = management.send("DELETE", "/cache/purge:one");
    assertEquals(200, again.statusCode(), bodyOf(again));
    assertEquals(purgeAnswer("purge:one", false), json(again));
    assertEquals(
        1,
        delta(before, scrape(management), EVICTIONS, labels("cause", "purged")),
        "purged evictions");

    redis.commands().set("purge:one", "second");
    HttpResponse<byte[]> reloaded = http.get("/purge:one");
    assertEquals(200, reloaded.statusCode());
    assertEquals("second", bodyOf(reloaded), "the value Redis holds now");
    assertEquals(Optional.of("MISS"), xCache(reloaded));
    assertEquals(2, redis.getCalls(), "the GET after the purge reached Redis");
    assertEquals(Optional.of("HIT"), xCache(http.get("/purge:one")));
    assertEquals(2, redis.getCalls());
  }

  @Test
  void a_purged_key_is_percent_decoded_exactly_as_on_the_proxy_port() throws IOException {
    redis.commands().set("purge:a/b c", "slashed");
    assertEquals(Optional.of("MISS"), xCache(http.get("/purge:a/b%20c")));
    assertEquals(
        Optional.of("HIT"), xCache(http.get("/purge:a%2Fb%20c")), "/a/b and /a%2Fb are one key");
    PrometheusText before = scrape(management);

    HttpResponse<byte[]> purged = management.send("DELETE", "/cache/purge:a%2Fb%20c");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(purgeAnswer("purge:a/b c", true), json(purged));
    assertEquals(Optional.of("MISS"), xCache(http.get("/purge:a/b%20c")));
    assertEquals(2, redis.getCalls());

    HttpResponse<byte[]> literalSlash = management.send("DELETE", "/cache/purge:a/b%20c?ignored=1");
    assertEquals(200, literalSlash.statusCode(), bodyOf(literalSlash));
    assertEquals(
        purgeAnswer("purge:a/b c", true),
        json(literalSlash),
        "a literal slash, and the query ignored");
    assertEquals(
        2,
        delta(before, scrape(management), EVICTIONS, labels("cause", "purged")),
        "purged evictions");

    RawHttp.Response badEncoding =
        RawHttp.request(proxy.managementPort(), "DELETE", "/cache/purge:%zz");
    assertEquals(400, badEncoding.status(), "bad percent-encoding is 400, as on the proxy port");
    assertEquals(Optional.of(APPLICATION_JSON), badEncoding.header("Content-Type"));
    assertTrue(JSON.readTree(badEncoding.body()).hasNonNull("error"), badEncoding.bodyText());
  }

  @Test
  void purging_the_whole_cache_removes_and_counts_every_key_and_each_next_GET_reaches_Redis() {
    HttpResponse<byte[]> emptied =
        management.send("DELETE", "/cache"); // whatever earlier tests left
    assertEquals(200, emptied.statusCode(), bodyOf(emptied));
    assertEquals(
        0, stats(management).get("size").asLong(), "nothing left after a purge of the whole cache");
    List<String> keys = List.of("purge-all:1", "purge-all:2", "purge-all:3");
    for (String key : keys) {
      redis.commands().set(key, "value of " + key);
      assertEquals(Optional.of("MISS"), xCache(http.get("/" + key)));
    }
    assertEquals(3, redis.getCalls());
    assertEquals(3, stats(management).get("size").asLong());
    PrometheusText before = scrape(management);

    HttpResponse<byte[]> purged = management.send("DELETE", "/cache");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(JSON.createObjectNode().put("purged", 3), json(purged));

    PrometheusText after = scrape(management);
    assertEquals(3, delta(before, after, EVICTIONS, labels("cause", "purged")), "purged evictions");
    assertEquals(0, delta(before, after, EVICTIONS, labels("cause", "size")), "size evictions");
    assertEquals(0.0, after.value("redis_proxy_cache_size"));
    assertEquals(0, stats(management).get("size").asLong());
    for (String key : keys) {
      HttpResponse<byte[]> reloaded = http.get("/" + key);
      assertEquals("value of " + key, bodyOf(reloaded));
      assertEquals(Optional.of("MISS"), xCache(reloaded), key);
    }
    assertEquals(6, redis.getCalls(), "each key reached Redis again");

    HttpResponse<byte[]> nothing = management.send("DELETE", "/cache");
    assertEquals(
        JSON.createObjectNode().put("purged", 3), json(nothing), "the three reloaded keys");
    assertEquals(
        JSON.createObjectNode().put("purged", 0), json(management.send("DELETE", "/cache")));
  }

  private static JsonNode purgeAnswer(String key, boolean purged) {
    return JSON.createObjectNode().put("key", key).put("purged", purged);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ports and paths

  @Test
  void the_start_up_line_names_the_HTTP_RESP_and_management_ports() {
    Pattern startUp =
        Pattern.compile(
            " INFO ProxyServer - Listening for HTTP on 127\\.0\\.0\\.1:"
                + proxy.port()
                + ", RESP on 127\\.0\\.0\\.1:"
                + proxy.respPort()
                + ", management on 127\\.0\\.0\\.1:"
                + proxy.managementPort()
                + "; event loops: \\d+; Redis at redis://"
                + Pattern.quote(redis.address())
                + "; started in \\d+ ms$");
    assertEquals(
        1,
        proxy.linesMatching(startUp).size(),
        proxy.linesMatching(Pattern.compile("Listening")).toString());
    proxy
        .listeningPorts()
        .ifPresent(
            ports ->
                assertEquals(
                    Set.of(proxy.port(), proxy.respPort(), proxy.managementPort()),
                    ports,
                    "listening ports"));
  }

  @Test
  void with_MANAGEMENT_PORT_0_the_proxy_opens_no_management_port_and_logs_none() {
    ProxyProcess off =
        ProxyProcess.start(
            Map.of("REDIS_ADDRESS", redis.address(), "MANAGEMENT_PORT", "0", "EVENT_LOOPS", "1"));
    try {
      off.awaitBackendReady();
      Pattern startUp =
          Pattern.compile(
              " INFO ProxyServer - Listening for HTTP on 127\\.0\\.0\\.1:"
                  + off.port()
                  + "; event loops: 1; Redis at redis://"
                  + Pattern.quote(redis.address())
                  + "; started in \\d+ ms$");
      assertEquals(
          1,
          off.linesMatching(startUp).size(),
          off.linesMatching(Pattern.compile("Listening")).toString());
      assertEquals(List.of(), off.linesMatching(Pattern.compile("management on")));
      // Where /proc exists (Linux): the HTTP port and nothing else.
      off.listeningPorts()
          .ifPresent(ports -> assertEquals(Set.of(off.port()), ports, "listening ports"));
    } finally {
      off.closeAndAssertNoErrorsLogged();
    }
  }

  @Test
  void keys_named_like_the_management_endpoints_are_ordinary_keys_on_the_proxy_port() {
    List<String> keys = List.of("health", "health/live", "metrics", "cache/stats");
    for (String key : keys) {
      redis.commands().set(key, "the value of " + key);
    }

    for (String key : keys) {
      HttpResponse<byte[]> first = http.get("/" + key);
      assertEquals(200, first.statusCode(), key);
      assertEquals("the value of " + key, bodyOf(first));
      assertEquals(
          Optional.of("application/octet-stream"), first.headers().firstValue("Content-Type"), key);
      assertEquals(Optional.of("MISS"), xCache(first), key);
      HttpResponse<byte[]> second = http.get("/" + key);
      assertEquals("the value of " + key, bodyOf(second));
      assertEquals(Optional.of("HIT"), xCache(second), key);
    }
    assertEquals(keys.size(), redis.getCalls(), "one Redis GET per key");

    HttpResponse<byte[]> purge = http.send("DELETE", "/cache");
    assertEquals(405, purge.statusCode(), "the proxy port purges nothing");
    assertEquals(Optional.of("GET, HEAD"), purge.headers().firstValue("Allow"));
    assertEquals(Optional.of("HIT"), xCache(http.get("/cache/stats")));
  }

  @Test
  void a_wrong_method_on_a_management_path_is_405_with_Allow_and_an_unknown_path_is_404_JSON() {
    Map<String, String> allowed = new LinkedHashMap<>();
    allowed.put("POST /metrics", "GET");
    allowed.put("DELETE /health", "GET");
    allowed.put("PUT /health/live", "GET");
    allowed.put("DELETE /cache/stats", "GET");
    allowed.put("GET /cache/x", "DELETE");
    allowed.put("GET /cache", "DELETE");
    for (Map.Entry<String, String> request : allowed.entrySet()) {
      String[] methodAndPath = request.getKey().split(" ");
      HttpResponse<byte[]> response = management.send(methodAndPath[0], methodAndPath[1]);
      assertEquals(405, response.statusCode(), request.getKey());
      assertEquals(
          Optional.of(request.getValue()),
          response.headers().firstValue("Allow"),
          request.getKey());
      assertTrue(json(response).hasNonNull("error"), request.getKey() + ": " + bodyOf(response));
    }

    for (String path : List.of("/nope", "/", "/healthz", "/metrics/extra")) {
      HttpResponse<byte[]> response = management.get(path);
      assertEquals(404, response.statusCode(), path);
      JsonNode body = json(response);
      assertEquals(Set.of("error"), fieldNames(body), path + ": " + body);
      assertTrue(body.get("error").isTextual(), path + ": " + body);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Configuration

  static Stream<Arguments> unusableManagementPorts() {
    int port = RedisServerProcess.freePort();
    return Stream.of(
        Arguments.of("MANAGEMENT_PORT=abc", Map.of("MANAGEMENT_PORT", "abc")),
        Arguments.of("MANAGEMENT_PORT=70000", Map.of("MANAGEMENT_PORT", "70000")),
        Arguments.of("MANAGEMENT_PORT=-1", Map.of("MANAGEMENT_PORT", "-1")),
        Arguments.of(
            "MANAGEMENT_PORT equal to PROXY_PORT",
            Map.of(
                "PROXY_PORT", Integer.toString(port), "MANAGEMENT_PORT", Integer.toString(port))),
        Arguments.of(
            "MANAGEMENT_PORT equal to RESP_PORT",
            Map.of("RESP_PORT", Integer.toString(port), "MANAGEMENT_PORT", Integer.toString(port))),
        Arguments.of("PROXY_PORT=8081, the default MANAGEMENT_PORT", Map.of("PROXY_PORT", "8081")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableManagementPorts")
  void an_unusable_MANAGEMENT_PORT_prints_one_line_naming_it_and_exits_2(
      String description, Map<String, String> env) {
    ProxyProcess.Run run = ProxyProcess.run(List.of(), env, RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(
        run.stderr().get(0).contains("MANAGEMENT_PORT"),
        "stderr must name MANAGEMENT_PORT; " + run);
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  /** {@code GET /metrics}: Prometheus text, read strictly. */
  private static PrometheusText scrape(ProxyClient managementPort) {
    HttpResponse<byte[]> response = managementPort.get("/metrics");
    assertEquals(200, response.statusCode(), bodyOf(response));
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    assertTrue(contentType.startsWith(PROMETHEUS_TEXT), "Content-Type: " + contentType);
    return PrometheusText.parse(bodyOf(response));
  }

  /** {@code GET /cache/stats}. */
  private static JsonNode stats(ProxyClient managementPort) {
    HttpResponse<byte[]> response = managementPort.get("/cache/stats");
    assertEquals(200, response.statusCode(), bodyOf(response));
    return json(response);
  }

  /** The body of a JSON response, which must say it is JSON. */
  private static JsonNode json(HttpResponse<byte[]> response) {
    assertEquals(
        Optional.of(APPLICATION_JSON),
        response.headers().firstValue("Content-Type"),
        "Content-Type of " + response);
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + bodyOf(response), e);
    }
  }

  private static Set<String> fieldNames(JsonNode object) {
    Set<String> names = new TreeSet<>();
    Iterator<String> fields = object.fieldNames();
    fields.forEachRemaining(names::add);
    return names;
  }

  /**
   * How much a series moved between two scrapes; a timer series created in between counts from 0.
   */
  private static long delta(
      PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
    double moved = after.value(name, labels) - before.valueOrZero(name, labels);
    assertEquals(Math.rint(moved), moved, name + labels + " moved by a whole number");
    return (long) moved;
  }

  /**
   * {@link #delta} for a polling condition: a series that is not there (yet) counts as 0, and
   * nothing fails.
   */
  private static double moved(
      PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
    return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
  }

  private static Map<String, String> labels(String... namesAndValues) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      labels.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return labels;
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

  private static Optional<String> xCache(HttpResponse<byte[]> response) {
    return response.headers().firstValue("X-Cache");
  }

  private static String bodyOf(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private static String tail(String text) {
    return text.substring(Math.max(0, text.length() - 200));
  }

  /**
   * A PING sent to Redis right after {@link RedisServerExtension#pause}: it is answered only when
   * the pause ends, so while no answer has arrived, Redis has answered no load either.
   */
  private static RawResp pingBehindThePause() {
    return RawResp.connect(redis.port()).write("PING\r\n");
  }

  /**
   * Fails if the pause has ended (the PING was answered): the machine was too slow for the test's
   * premise.
   */
  private static void assertStillPaused(RawResp probe) {
    try (probe) {
      assertEquals(
          0,
          probe.available(),
          "Redis still paused when the proxy logged what the test waited for (machine too slow?)");
    }
  }

  private static Pattern started(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
  }

  private static Pattern joined(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " joined the load in flight$");
  }
}
