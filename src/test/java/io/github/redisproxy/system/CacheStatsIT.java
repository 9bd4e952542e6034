package io.github.redisproxy.system;

import static io.github.redisproxy.testing.ManagementClient.fieldNames;
import static io.github.redisproxy.testing.ManagementClient.json;
import static io.github.redisproxy.testing.PrometheusText.labels;
import static io.github.redisproxy.testing.ProxyClient.xCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management port's {@code GET /cache/stats}: the configured cache and its counters, which
 * agree with the Prometheus meters. Two proxies, configured apart from the defaults and from each
 * other.
 */
class CacheStatsIT {
  private static final String CACHE_REQUESTS = "redis_proxy_cache_requests_total";
  private static final String EVICTIONS = "redis_proxy_cache_evictions_total";

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** An lru cache of 1000 keys that expire after 120.5 s. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("CACHE_CAPACITY", "1000")
          .env("GLOBAL_CACHE_EXPIRY", "120.5")
          .build();

  /** A tinylfu cache of 500 keys that expire after 30 s. */
  @RegisterExtension
  @Order(3)
  static final ProxyExtension tinyProxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("CACHE_POLICY", "tinylfu")
          .env("CACHE_CAPACITY", "500")
          .env("GLOBAL_CACHE_EXPIRY", "30")
          .build();

  private static final ProxyClient http = proxy.http();
  private static final ManagementClient management = proxy.management();
  private static final ProxyClient tinyHttp = tinyProxy.http();
  private static final ManagementClient tinyManagement = tinyProxy.management();

  /**
   * {@code /cache/stats} describes the configured cache and agrees with the Prometheus counters.
   */
  @Test
  void cacheStatsAgreeWithPrometheus() {
    redis.commands().set("stats:k", "v");
    assertEquals(Optional.of("MISS"), xCache(http.get("/stats:k")));
    assertEquals(Optional.of("HIT"), xCache(http.get("/stats:k")));

    HttpResponse<byte[]> response = management.get("/cache/stats");
    PrometheusText metrics = management.scrape(); // no request in between: the same moment

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
            "evictions",
            "bytes",
            "max_bytes",
            "stale",
            "bypassed",
            "refreshes"),
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
    for (String field : List.of("bytes", "max_bytes")) {
      assertEquals(metrics.value("redis_proxy_cache_" + field), stats.get(field).asLong(), field);
    }
    for (String field : List.of("stale", "bypassed", "refreshes")) {
      assertEquals(
          metrics.value("redis_proxy_cache_" + field + "_total"), stats.get(field).asLong(), field);
    }
    assertEquals(
        "stats:k".length() + "v".length(), stats.get("bytes").asLong(), "the one key cached");
    JsonNode evictions = stats.get("evictions");
    assertEquals(
        Set.of("size", "expired", "purged", "invalidated", "untracked"), fieldNames(evictions));
    for (String cause : List.of("size", "expired", "purged", "invalidated", "untracked")) {
      assertEquals(
          metrics.value(EVICTIONS, labels("cause", cause)),
          evictions.get(cause).asLong(),
          "evictions " + cause);
    }
  }

  /**
   * {@code /cache/stats} of a tinylfu proxy shows its policy, capacity and expiry, and counts its
   * own lookups.
   */
  @Test
  void tinyLfuCacheStatsShowItsSettingsAndLookups() {
    redis.commands().set("tiny-stats:k", "v");
    JsonNode before = tinyManagement.cacheStats();
    assertEquals("tinylfu", before.get("policy").asText());
    assertEquals(500, before.get("capacity").asLong());
    assertTrue(before.get("expiry_seconds").isNumber(), "expiry_seconds is a number: " + before);
    assertEquals(30, before.get("expiry_seconds").asDouble());
    assertEquals("tracking", before.get("invalidation").asText());
    assertEquals(500.0, tinyManagement.scrape().value("redis_proxy_cache_capacity"));

    assertEquals(Optional.of("MISS"), xCache(tinyHttp.get("/tiny-stats:k")));
    assertEquals(Optional.of("HIT"), xCache(tinyHttp.get("/tiny-stats:k")));
    assertEquals(Optional.of("HIT"), xCache(tinyHttp.get("/tiny-stats:k")));

    JsonNode after = tinyManagement.cacheStats();
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
}
