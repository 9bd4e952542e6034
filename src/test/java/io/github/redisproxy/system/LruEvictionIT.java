package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CACHE_POLICY=lru (the default) with CACHE_CAPACITY=3: a load into a full cache evicts exactly the
 * key read least recently. Whether a read went to Redis is told twice: by {@code X-Cache} and by
 * Redis' own count of {@code GET}s.
 */
class LruEvictionIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** Its start-up reads an absent key, which is not cached: the cache starts empty. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("CACHE_CAPACITY", "3").build();

  private static final ProxyClient http = proxy.http();

  /**
   * With capacity 3, each load into the full cache evicts exactly the least recently read key.
   *
   * <p>Two evictions, each of which another policy would get wrong: the first evicts {@code b},
   * where FIFO (or expire-by-load order) would evict {@code a}; the second evicts {@code a}, where
   * LFU would evict {@code d}, the key read fewest times.
   */
  @Test
  void leastRecentlyReadKeyIsEvictedWhenFull() {
    for (String key : new String[] {"a", "b", "c", "d", "e"}) {
      redis.commands().set("lru:" + key, "value of " + key);
    }

    expect("a", "MISS");
    expect("b", "MISS");
    expect("c", "MISS");
    expect("a", "HIT"); // least recently read first: b, c, a
    assertEquals(3, redis.getCalls());

    expect("d", "MISS"); // full: evicts b, although a was loaded first
    assertEquals(4, redis.getCalls());
    expect("a", "HIT");
    expect("c", "HIT");
    expect("d", "HIT"); // order now a, c, d
    assertEquals(4, redis.getCalls(), "a, c and d must all have stayed in the cache");

    expect("c", "HIT");
    expect("c", "HIT"); // order a, d, c; reads so far: a 3, c 4, d 2
    expect("e", "MISS"); // evicts a, the least recently read, although d was read fewer times
    expect("c", "HIT");
    expect("d", "HIT");
    expect("e", "HIT");
    assertEquals(5, redis.getCalls(), "c, d and e must all have stayed in the cache");

    expect("b", "MISS"); // evicted by the load of d
    assertEquals(6, redis.getCalls());
    expect("a", "MISS"); // evicted by the load of e
    assertEquals(7, redis.getCalls());
  }

  private static void expect(String key, String cache) {
    HttpResponse<byte[]> response = http.get("/lru:" + key);
    assertEquals(200, response.statusCode(), "GET " + key);
    assertEquals(
        "value of " + key, new String(response.body(), StandardCharsets.UTF_8), "GET " + key);
    assertEquals(Optional.of(cache), response.headers().firstValue("X-Cache"), "GET " + key);
  }
}
