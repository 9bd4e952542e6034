package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code INFO} over RESP reports the cache's counters exactly. The proxy is this class's own (a
 * cache of 3 entries, so that evictions happen), and no test but the scripted one looks a key up,
 * so every counter is known.
 */
class RespInfoIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /**
   * A cache of 3 entries. Its start-up waits for a GET over HTTP for a missing key, so cache_misses
   * starts at 1 or more.
   */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("CACHE_CAPACITY", "3")
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .resp()
          .build();

  private static final RedisClient client = proxy.respClient();
  private static final RedisCommands<String, String> resp = proxy.resp();

  private static RedisURI uri() {
    return proxy.respUri(Duration.ofSeconds(20));
  }

  /** INFO cache counts hits, misses, coalesced loads, size and evictions exactly. */
  @Test
  void infoCacheCountsExactly() throws Exception {
    for (String key : List.of("info:a", "info:b", "info:c", "info:d")) {
      redis.commands().set(key, "value of " + key);
    }
    redis.commands().rpush("info:list", "element");
    Map<String, String> before = fields(resp.info("cache"));
    // The start-up probe's: a missing key, not cached.
    long missesBefore = Long.parseLong(before.get("cache_misses"));
    assertEquals("0", before.get("cache_hits"));
    assertEquals("0", before.get("cache_coalesced"));
    assertEquals("0", before.get("cache_size"));

    assertEquals("value of info:a", resp.get("info:a")); // load 1
    assertEquals("value of info:a", resp.get("info:a")); // hit 1
    assertEquals("value of info:b", resp.get("info:b")); // load 2
    assertEquals("value of info:c", resp.get("info:c")); // load 3; the cache is full: a, b, c
    assertNull(resp.get("info:missing")); // load 4, nothing cached
    assertEquals(
        List.of(
            KeyValue.just("info:a", "value of info:a"), KeyValue.just("info:b", "value of info:b")),
        resp.mget("info:a", "info:b")); // hits 2 and 3; least recently used is now c
    // Load 5: WRONGTYPE.
    assertThrows(RedisCommandExecutionException.class, () -> resp.get("info:list"));
    assertEquals("value of info:d", resp.get("info:d")); // load 6, evicts c (eviction 1)

    // Two GETs for c at once (c was evicted): one load (7), one coalesced; it evicts a (eviction
    // 2).
    try (StatefulRedisConnection<String, String> first = client.connect(StringCodec.UTF8, uri());
        StatefulRedisConnection<String, String> second = client.connect(StringCodec.UTF8, uri())) {
      redis.pause(Duration.ofSeconds(1));
      RedisFuture<String> one = first.async().get("info:c");
      RedisFuture<String> other = second.async().get("info:c");
      proxy.awaitLog(
          Pattern.compile("coalesced key=info:c joined the load in flight$"),
          1,
          Duration.ofSeconds(10));
      assertEquals("value of info:c", one.get(20, TimeUnit.SECONDS));
      assertEquals("value of info:c", other.get(20, TimeUnit.SECONDS));
    }

    Map<String, String> after = fields(resp.info("cache"));
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("cache_hits", "3");
    expected.put("cache_misses", Long.toString(missesBefore + 7));
    expected.put("cache_coalesced", "1");
    expected.put("cache_size", "3");
    expected.put("cache_capacity", "3");
    expected.put("cache_bytes", after.get("cache_bytes")); // checked below, from the keys held
    expected.put("cache_max_bytes", after.get("cache_max_bytes"));
    expected.put("cache_stale", "0");
    expected.put("cache_bypassed", "0");
    expected.put("cache_refreshes", "0");
    expected.put("cache_evictions_size", "2");
    expected.put("cache_evictions_expired", "0");
    expected.put("cache_evictions_purged", "0");
    expected.put("cache_evictions_invalidated", "0"); // no key this test read changed in Redis
    expected.put("cache_evictions_untracked", "0");
    expected.put("cache_invalidation_mode", "tracking");
    expected.put("cache_policy", "lru");
    assertEquals(expected, after);
    assertEquals(7, redis.getCalls(), "Redis GETs: one per load");
    assertEquals(
        3 * ("info:b".length() + "value of info:b".length()),
        Long.parseLong(after.get("cache_bytes")),
        "cache_bytes: keys and values of the 3 cached keys");

    // The cache holds b, d, c now: a was evicted last.
    assertEquals("value of info:b", resp.get("info:b"));
    assertEquals(7, redis.getCalls(), "b is still cached");
  }

  /** INFO with a section answers that section only and without one answers all. */
  @Test
  void infoAnswersTheSectionAskedFor() {
    String server = resp.info("server");
    assertTrue(server.startsWith("# Server\r\n"), server);
    Map<String, String> serverFields = fields(server);
    assertEquals("standalone", serverFields.get("redis_mode"));
    assertEquals(Integer.toString(proxy.respPort()), serverFields.get("tcp_port"));
    assertTrue(serverFields.containsKey("redis_version"), server);
    assertFalse(server.contains("# Cache"), server);
    assertFalse(server.contains("# Clients"), server);

    String cache = resp.info("cache");
    assertTrue(cache.startsWith("# Cache\r\n"), cache);
    assertFalse(cache.contains("# Server"), cache);

    String all = resp.info();
    for (String section : List.of("# Server", "# Clients", "# Cache")) {
      assertTrue(all.contains(section + "\r\n"), section + " in " + all);
    }
  }

  @Test
  void infoClientsCountsOpenConnections() {
    Polling.until(
        Duration.ofSeconds(5),
        "connected_clients to count only this class's connection",
        () -> fields(resp.info("clients")).get("connected_clients"),
        "1"::equals);
    try (StatefulRedisConnection<String, String> second = client.connect(StringCodec.UTF8, uri());
        StatefulRedisConnection<String, String> third = client.connect(StringCodec.UTF8, uri())) {
      assertEquals("3", fields(third.sync().info("clients")).get("connected_clients"));
      assertEquals("PONG", second.sync().ping());
    }
    Polling.until(
        Duration.ofSeconds(5),
        "connected_clients to drop when the two connections close",
        () -> fields(resp.info("clients")).get("connected_clients"),
        "1"::equals);
  }

  /** The {@code name:value} lines of an INFO reply. */
  private static Map<String, String> fields(String info) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : info.split("\r\n")) {
      int colon = line.indexOf(':');
      if (!line.startsWith("#") && colon > 0) {
        fields.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return fields;
  }
}
