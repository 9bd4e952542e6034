package io.github.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only the {@code lru} policy promises: exactly the least-recently-read key goes when a new
 * key enters.
 */
class ExactLruOrderTest {
  private final FakeTicker ticker = new FakeTicker();
  private final AtomicInteger loads = new AtomicInteger();

  private LocalCache<String, String> lru(int capacity, Duration expiry) {
    return LocalCaches.create(
        new CacheConfig(capacity, expiry, CachePolicy.LRU),
        ticker,
        key -> {
          loads.incrementAndGet();
          return CompletableFuture.completedFuture("value-of-" + key);
        });
  }

  private static boolean hit(LocalCache<String, String> cache, String key) {
    return cache.get(key).hit();
  }

  @Test
  void leastRecentlyReadKeyIsEvictedWhenFull() {
    LocalCache<String, String> cache = lru(3, Duration.ofHours(1));
    cache.get("a");
    cache.get("b");
    cache.get("c");
    assertThat(hit(cache, "a")).isTrue(); // order now: b, c, a

    cache.get("d"); // evicts b

    assertThat(hit(cache, "a")).isTrue();
    assertThat(hit(cache, "c")).isTrue();
    assertThat(hit(cache, "d")).isTrue();
    assertThat(hit(cache, "b")).isFalse();
  }

  @Test
  void aReadOfALoadedValueWithoutAPipelineCountsAsARead() {
    LocalCache<String, String> cache = lru(3, Duration.ofHours(1));
    cache.get("a");
    cache.get("b");
    cache.get("c");
    assertThat(cache.getLoaded("a")).isEqualTo("value-of-a"); // order now: b, c, a

    cache.get("d"); // evicts b, not a

    assertThat(cache.getLoaded("a")).isEqualTo("value-of-a");
    assertThat(cache.getLoaded("b")).isNull();
    assertThat(loads).hasValue(4);
  }

  @Test
  void aNewcomerIsAlwaysAdmittedEvenAgainstFrequentlyReadKeys() {
    LocalCache<String, String> cache = lru(2, Duration.ofHours(1));
    cache.get("hot");
    for (int i = 0; i < 100; i++) {
      cache.get("hot");
      cache.get("warm");
    }
    cache.get("new"); // "hot" was read before "warm" in the last round, so "hot" goes

    assertThat(hit(cache, "new")).isTrue();
    assertThat(hit(cache, "warm")).isTrue();
    assertThat(hit(cache, "hot")).isFalse();
  }

  @Test
  void expiredEntriesDoNotCountAgainstTheCapacity() {
    LocalCache<String, String> cache = lru(2, Duration.ofSeconds(10));
    cache.get("old");
    ticker.advance(Duration.ofSeconds(5));
    cache.get("young");
    hit(cache, "old"); // most recently read, but it expires first
    ticker.advance(Duration.ofSeconds(6)); // "old" has expired, "young" has not

    cache.get("new"); // two live keys now: young and new; nothing live may be evicted

    assertThat(hit(cache, "young")).isTrue();
    assertThat(hit(cache, "new")).isTrue();
  }

  @Test
  void keyLoadedAgainAfterExpiryTakesItsNewPlace() {
    LocalCache<String, String> cache = lru(2, Duration.ofSeconds(10));
    cache.get("a");
    ticker.advance(Duration.ofSeconds(11));
    cache.get("a"); // reloaded
    cache.get("b");
    cache.get("c"); // a is the least recently read

    assertThat(hit(cache, "b")).isTrue();
    assertThat(hit(cache, "c")).isTrue();
    assertThat(hit(cache, "a")).isFalse();
  }

  /** Random reads compared against the simplest correct LRU: an access-ordered LinkedHashMap. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 2026})
  void matchesAReferenceModelOnRandomReads(long seed) {
    int capacity = 16;
    LocalCache<String, String> cache = lru(capacity, Duration.ofHours(1));
    Map<String, Boolean> model =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
    Random random = new Random(seed);
    for (int step = 0; step < 20_000; step++) {
      // A skewed key space, so that hits, misses and evictions all happen often.
      String key = "k" + (random.nextBoolean() ? random.nextInt(12) : random.nextInt(48));
      boolean expectedHit = model.get(key) != null;
      if (!expectedHit) {
        model.put(key, true);
      }
      assertThat(hit(cache, key)).as("step %d key %s", step, key).isEqualTo(expectedHit);
    }
  }

  @Test
  void concurrentReadersNeverLeaveMoreThanCapacityLiveKeys() throws Exception {
    int capacity = 64;
    LocalCache<String, String> cache = lru(capacity, Duration.ofHours(1));
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      Thread worker =
          new Thread(
              () -> {
                Random random = new Random(seed);
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < 50_000; i++) {
                  cache.get("k" + random.nextInt(256));
                }
              });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    assertThat(cache.estimatedSize()).isLessThanOrEqualTo(capacity);
    int live = 0;
    for (int i = 0; i < 256; i++) {
      if (cache.get("k" + i).hit()) {
        live++;
      }
    }
    assertThat(live).isLessThanOrEqualTo(capacity);
  }
}
