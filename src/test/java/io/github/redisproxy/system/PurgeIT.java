package io.github.redisproxy.system;

import static io.github.redisproxy.testing.ManagementClient.json;
import static io.github.redisproxy.testing.PrometheusText.delta;
import static io.github.redisproxy.testing.PrometheusText.labels;
import static io.github.redisproxy.testing.ProxyClient.bodyOf;
import static io.github.redisproxy.testing.ProxyClient.xCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management port's purges, {@code DELETE /cache/KEY} and {@code DELETE /cache}: what they
 * remove, how they count it, and that the next GET of a purged key reaches Redis.
 */
class PurgeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APPLICATION_JSON = "application/json";
  private static final String EVICTIONS = "redis_proxy_cache_evictions_total";

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  private static final ProxyClient http = proxy.http();
  private static final ManagementClient management = proxy.management();

  /**
   * Purging a cached key makes the next GET a miss that reaches Redis and purging it again finds
   * nothing.
   */
  @Test
  void purgedKeyIsLoadedAgain() {
    redis.commands().set("purge:one", "first");
    assertEquals(Optional.of("MISS"), xCache(http.get("/purge:one")));
    assertEquals(Optional.of("HIT"), xCache(http.get("/purge:one")));
    assertEquals(1, redis.getCalls());
    PrometheusText before = management.scrape();

    HttpResponse<byte[]> purged = management.send("DELETE", "/cache/purge:one");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(purgeAnswer("purge:one", true), json(purged));
    HttpResponse<byte[]> again = management.send("DELETE", "/cache/purge:one");
    assertEquals(200, again.statusCode(), bodyOf(again));
    assertEquals(purgeAnswer("purge:one", false), json(again));
    assertEquals(
        1,
        delta(before, management.scrape(), EVICTIONS, labels("cause", "purged")),
        "purged evictions");

    redis.commands().set("purge:one", "second");
    // The SET invalidates a key the proxy has read: a load that overlapped the handling of that
    // push would be answered and, rightly, not cached, and the read after it would miss again.
    management.awaitInvalidationsHandled();
    HttpResponse<byte[]> reloaded = http.get("/purge:one");
    assertEquals(200, reloaded.statusCode());
    assertEquals("second", bodyOf(reloaded), "the value Redis holds now");
    assertEquals(Optional.of("MISS"), xCache(reloaded));
    assertEquals(2, redis.getCalls(), "the GET after the purge reached Redis");
    assertEquals(Optional.of("HIT"), xCache(http.get("/purge:one")));
    assertEquals(2, redis.getCalls());
  }

  /** A purged key is percent-decoded exactly as on the proxy port. */
  @Test
  void purgedKeyIsDecodedAsOnTheProxyPort() throws IOException {
    redis.commands().set("purge:a/b c", "slashed");
    assertEquals(Optional.of("MISS"), xCache(http.get("/purge:a/b%20c")));
    assertEquals(
        Optional.of("HIT"), xCache(http.get("/purge:a%2Fb%20c")), "/a/b and /a%2Fb are one key");
    PrometheusText before = management.scrape();

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
        delta(before, management.scrape(), EVICTIONS, labels("cause", "purged")),
        "purged evictions");

    RawHttp.Response badEncoding =
        RawHttp.request(proxy.managementPort(), "DELETE", "/cache/purge:%zz");
    assertEquals(400, badEncoding.status(), "bad percent-encoding is 400, as on the proxy port");
    assertEquals(Optional.of(APPLICATION_JSON), badEncoding.header("Content-Type"));
    assertTrue(JSON.readTree(badEncoding.body()).hasNonNull("error"), badEncoding.bodyText());
  }

  /** Purging the whole cache removes and counts every key and each next GET reaches Redis. */
  @Test
  void purgingTheWholeCacheRemovesEveryKey() {
    HttpResponse<byte[]> emptied =
        management.send("DELETE", "/cache"); // whatever earlier tests left
    assertEquals(200, emptied.statusCode(), bodyOf(emptied));
    assertEquals(
        0,
        management.cacheStats().get("size").asLong(),
        "nothing left after a purge of the whole cache");
    List<String> keys = List.of("purge-all:1", "purge-all:2", "purge-all:3");
    for (String key : keys) {
      redis.commands().set(key, "value of " + key);
      assertEquals(Optional.of("MISS"), xCache(http.get("/" + key)));
    }
    assertEquals(3, redis.getCalls());
    assertEquals(3, management.cacheStats().get("size").asLong());
    PrometheusText before = management.scrape();

    HttpResponse<byte[]> purged = management.send("DELETE", "/cache");
    assertEquals(200, purged.statusCode(), bodyOf(purged));
    assertEquals(JSON.createObjectNode().put("purged", 3), json(purged));

    PrometheusText after = management.scrape();
    assertEquals(3, delta(before, after, EVICTIONS, labels("cause", "purged")), "purged evictions");
    assertEquals(0, delta(before, after, EVICTIONS, labels("cause", "size")), "size evictions");
    assertEquals(0.0, after.value("redis_proxy_cache_size"));
    assertEquals(0, management.cacheStats().get("size").asLong());
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
}
