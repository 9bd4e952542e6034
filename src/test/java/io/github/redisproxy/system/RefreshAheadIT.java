package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CACHE_REFRESH_AHEAD=0.75 with GLOBAL_CACHE_EXPIRY=2: a hit on an entry older than 1.5 s starts
 * one background reload, so a key read continuously never misses after its first read, and Redis
 * sees one GET per 1.5 s of reading; without refresh-ahead (the second proxy) the same reading
 * misses at every expiry.
 */
class RefreshAheadIT {
  private static final Duration READING = Duration.ofSeconds(6); // three lifetimes

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension refreshing =
      ProxyExtension.builder()
          .redis(redis)
          .env("GLOBAL_CACHE_EXPIRY", "2")
          .env("CACHE_REFRESH_AHEAD", "0.75")
          .env("CACHE_INVALIDATION", "none")
          .build();

  @RegisterExtension
  @Order(3)
  static final ProxyExtension plain =
      ProxyExtension.builder()
          .redis(redis)
          .env("GLOBAL_CACHE_EXPIRY", "2")
          .env("CACHE_INVALIDATION", "none")
          .build();

  /** X-Cache of every answer to reads of {@code path} every ~10 ms for {@code duration}. */
  private static List<String> readContinuously(ProxyClient http, String path, Duration duration)
      throws InterruptedException {
    List<String> answers = new ArrayList<>();
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() - end < 0) {
      HttpResponse<byte[]> response = http.get(path);
      assertEquals(200, response.statusCode());
      answers.add(ProxyClient.xCache(response).orElseThrow());
      Thread.sleep(10);
    }
    return answers;
  }

  /**
   * Reloads start at 1.5 s of an entry's age and take a Redis round trip, so over 6 s of reading
   * there are 4 loads (at 0, 1.5, 3 and 4.5 s), one more or less by where the reading ends.
   */
  @Test
  void aKeyReadContinuouslyNeverMissesAfterItsFirstReadAndCostsOneGetPerRefresh()
      throws InterruptedException {
    redis.commands().set("refresh:hot", "value");
    long calls = redis.getCalls();

    List<String> answers = readContinuously(refreshing.http(), "/refresh:hot", READING);

    assertEquals("MISS", answers.get(0));
    assertEquals(
        List.of("HIT"),
        answers.subList(1, answers.size()).stream().distinct().toList(),
        "every read after the first");
    long gets = redis.getCalls() - calls;
    assertTrue(gets >= 3 && gets <= 5, "Redis GETs in 6 s: " + gets);
    assertEquals(gets - 1, refreshing.management().cacheStats().get("refreshes").asLong());
  }

  /** The control: without refresh-ahead the same reading misses when the entry expires. */
  @Test
  void withoutRefreshAheadTheSameReadingMissesAtExpiry() throws InterruptedException {
    redis.commands().set("refresh:plain", "value");

    List<String> answers =
        readContinuously(plain.http(), "/refresh:plain", Duration.ofMillis(4500));

    long misses = answers.stream().filter("MISS"::equals).count();
    assertTrue(misses >= 3, "a miss at 0, 2 and 4 s: " + misses);
  }

  /**
   * Under CACHE_INVALIDATION=none, refresh-ahead also picks up a change before the entry expires.
   */
  @Test
  void aRefreshPicksUpAChangedValueWithoutAMiss() {
    redis.commands().set("refresh:changed", "old");
    assertEquals(
        Optional.of("MISS"), ProxyClient.xCache(refreshing.http().get("/refresh:changed")));
    redis.commands().set("refresh:changed", "new");

    HttpResponse<byte[]> changed =
        Polling.until(
            Duration.ofSeconds(5),
            "the new value",
            () -> {
              HttpResponse<byte[]> response = refreshing.http().get("/refresh:changed");
              assertEquals(Optional.of("HIT"), ProxyClient.xCache(response), "no miss meanwhile");
              return response;
            },
            response -> "new".equals(ProxyClient.bodyOf(response)));
    assertEquals(200, changed.statusCode());
  }
}
