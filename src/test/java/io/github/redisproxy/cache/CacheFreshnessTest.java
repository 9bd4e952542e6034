package io.github.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rules that depend on a value's own life and size, on a fake clock: a value's own expiry (a
 * key's time to live in Redis) shortens its entry's life; the byte bounds; stale values; and
 * refresh-ahead.
 */
class CacheFreshnessTest {
  private static final Duration EXPIRY = Duration.ofSeconds(10);
  private static final Duration STALE = Duration.ofSeconds(30);

  private final FakeTicker ticker = new FakeTicker();
  private final TimedLoader loader = new TimedLoader();

  /** A value that says when it was read and, if it has one, when it expires by its own rule. */
  record Timed(String text, long loadedAt, long expiresAt) {}

  private static final ValueTraits<String, Timed> TRAITS =
      new ValueTraits<>() {
        @Override
        public long loadedAt(Timed value) {
          return value.loadedAt();
        }

        @Override
        public long expiresAt(Timed value) {
          return value.expiresAt();
        }

        @Override
        public long valueBytes(Timed value) {
          return value.text().length();
        }

        @Override
        public long keyBytes(String key) {
          return key.length();
        }
      };

  /** Loads that complete when the test says, with values read "now" on the fake clock. */
  private final class TimedLoader implements Loader<String, Timed> {
    final Map<String, List<CompletableFuture<Timed>>> loads = new ConcurrentHashMap<>();

    @Override
    public void load(String key, CompletableFuture<Timed> result) {
      loads.computeIfAbsent(key, k -> new ArrayList<>()).add(result);
    }

    int loadsOf(String key) {
      return loads.getOrDefault(key, List.of()).size();
    }

    void complete(String key, String text) {
      complete(key, text, null);
    }

    /** Completes the newest load; {@code ttl} is the value's own remaining life, if any. */
    void complete(String key, String text, Duration ttl) {
      long now = ticker.read();
      latest(key)
          .complete(
              text == null
                  ? null
                  : new Timed(text, now, ttl == null ? Long.MAX_VALUE : now + ttl.toNanos()));
    }

    void fail(String key) {
      latest(key).completeExceptionally(new IllegalStateException("Redis is down"));
    }

    private CompletableFuture<Timed> latest(String key) {
      List<CompletableFuture<Timed>> started = loads.get(key);
      return started.get(started.size() - 1);
    }
  }

  private LocalCache<String, Timed> cache(CacheConfig config) {
    return LocalCaches.create(config, ticker, loader, TRAITS);
  }

  private static CacheConfig config(CachePolicy policy, int capacity) {
    return new CacheConfig(capacity, EXPIRY, policy);
  }

  private String loadedText(LocalCache<String, Timed> cache, String key) {
    Timed value = cache.getLoaded(key);
    return value == null ? null : value.text();
  }

  private void load(LocalCache<String, Timed> cache, String key, String text, Duration ttl) {
    cache.get(key);
    loader.complete(key, text, ttl);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValuesOwnExpiryEndsItsEntryBeforeTheCacheExpiry(CachePolicy policy) {
    LocalCache<String, Timed> cache = cache(config(policy, 100));
    load(cache, "token", "secret", Duration.ofMillis(1500));

    ticker.advance(Duration.ofMillis(1499));
    assertThat(loadedText(cache, "token")).isEqualTo("secret");
    ticker.advance(Duration.ofMillis(1));
    assertThat(loadedText(cache, "token")).as("gone with its own expiry").isNull();
    assertThat(cache.get("token").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValuesOwnExpiryLaterThanTheCacheExpiryIsCutToIt(CachePolicy policy) {
    LocalCache<String, Timed> cache = cache(config(policy, 100));
    load(cache, "k", "v", Duration.ofHours(1));

    ticker.advance(EXPIRY.minusNanos(1));
    assertThat(loadedText(cache, "k")).isEqualTo("v");
    ticker.advance(Duration.ofNanos(1));
    assertThat(loadedText(cache, "k")).isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValueThatExpiredAsItWasReadAnswersItsCallersAndIsNotKept(CachePolicy policy) {
    LocalCache<String, Timed> cache = cache(config(policy, 100));
    CacheRead<Timed> read = cache.get("k");
    loader.complete("k", "v", Duration.ZERO);

    assertThat(read.value().join().text()).isEqualTo("v");
    assertThat(cache.getLoaded("k")).isNull();
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  /**
   * Exact LRU stays exact with values of their own expiry: one that expired never counts against
   * the capacity, so no live key is evicted in its place.
   */
  @Test
  void underLruAnEntryPastItsOwnExpiryNeverCostsALiveKeyItsPlace() {
    LocalCache<String, Timed> cache = cache(config(CachePolicy.LRU, 2));
    load(cache, "short", "s", Duration.ofSeconds(1));
    load(cache, "long", "l", null);
    ticker.advance(Duration.ofSeconds(1));

    load(cache, "new", "n", null);

    assertThat(loadedText(cache, "long")).isEqualTo("l");
    assertThat(loadedText(cache, "new")).isEqualTo("n");
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isZero();
    assertThat(cache.evictionCount(EvictionCause.EXPIRED)).isEqualTo(1);
  }

  /** Under lru the sum of key and value bytes stays under the bound, least recently read first. */
  @Test
  void underLruTheBytesStayUnderTheBoundByEvictingTheLeastRecentlyRead() {
    LocalCache<String, Timed> cache = cache(config(CachePolicy.LRU, 100).withBytes(100, 100));
    load(cache, "a", "x".repeat(39), null);
    load(cache, "b", "x".repeat(39), null);
    assertThat(cache.bytes()).isEqualTo(80);
    cache.getLoaded("a"); // b is now the least recently read

    load(cache, "c", "x".repeat(39), null);

    assertThat(cache.bytes()).isEqualTo(80);
    assertThat(loadedText(cache, "b")).isNull();
    assertThat(loadedText(cache, "a")).isNotNull();
    assertThat(loadedText(cache, "c")).isNotNull();
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isEqualTo(1);

    cache.invalidate("a", EvictionCause.PURGED);
    assertThat(cache.bytes()).isEqualTo(40);
    ticker.advance(EXPIRY);
    assertThat(cache.bytes()).as("expired: nothing left to read").isZero();
  }

  /**
   * Under tinylfu Caffeine bounds one weight per entry, its bytes plus {@code maxBytes / capacity}:
   * both the bytes and the key count stay under their bounds.
   */
  @Test
  void underTinyLfuTheBytesAndTheKeysStayUnderTheirBounds() {
    LocalCache<String, Timed> cache = cache(config(CachePolicy.TINYLFU, 50).withBytes(5000, 1000));
    for (int i = 0; i < 200; i++) {
      load(cache, "big" + i, "x".repeat(496), null); // 500 bytes with its key
      assertThat(cache.bytes()).as("after %d loads", i + 1).isLessThanOrEqualTo(5000);
    }
    for (int i = 0; i < 200; i++) {
      load(cache, "k" + i, "", null);
      assertThat(cache.estimatedSize()).isLessThanOrEqualTo(50);
    }
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isGreaterThanOrEqualTo(200 - 10 + 200 - 50);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValueLongerThanTheLimitAnswersEveryCallerAndIsNeverCached(CachePolicy policy) {
    LocalCache<String, Timed> cache = cache(config(policy, 100).withBytes(1000, 10));
    CacheRead<Timed> first = cache.get("big");
    CacheRead<Timed> joined = cache.get("big");
    loader.complete("big", "x".repeat(11));

    assertThat(first.value().join().text()).hasSize(11);
    assertThat(joined.value().join().text()).hasSize(11);
    assertThat(cache.getLoaded("big")).isNull();
    assertThat(cache.bypassed()).isEqualTo(1);
    assertThat(cache.get("big").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(loader.loadsOf("big")).isEqualTo(2);

    load(cache, "small", "x".repeat(10), null);
    assertThat(loadedText(cache, "small")).hasSize(10);
  }

  private LocalCache<String, Timed> staleCache(CachePolicy policy) {
    return cache(config(policy, 100).withFreshness(STALE, 0));
  }

  /** Expire a loaded key, then fail its reload: the way a value goes stale while Redis is down. */
  private void expireAndFailReload(LocalCache<String, Timed> cache, String key) {
    ticker.advance(EXPIRY);
    assertThat(cache.get(key).source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    loader.fail(key);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void anExpiredValueStaysAvailableAsStaleForTheWindowFromItsExpiry(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    assertThat(cache.getStale("k")).as("never loaded").isNull();
    load(cache, "k", "last", null);
    assertThat(cache.getStale("k")).as("fresh: not stale").isNull();

    expireAndFailReload(cache, "k");

    assertThat(cache.getStale("k").text()).isEqualTo("last");
    ticker.advance(STALE.minusNanos(1));
    assertThat(cache.getStale("k").text()).isEqualTo("last");
    ticker.advance(Duration.ofNanos(1));
    assertThat(cache.getStale("k")).as("window over").isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void theStaleWindowCountsFromTheExpiryNotFromWhenTheEntryWasCleanedUp(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "k", "old", null);
    ticker.advance(EXPIRY.plus(STALE)); // nothing touched the key meanwhile

    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    loader.fail("k");

    assertThat(cache.getStale("k")).isNull();
  }

  /** The lru policy drops expired entries lazily, when another key loads: the same rule holds. */
  @Test
  void underLruAnEntryDroppedLongAfterItExpiredIsNotKeptStale() {
    LocalCache<String, Timed> cache = staleCache(CachePolicy.LRU);
    load(cache, "old", "v", null);
    ticker.advance(EXPIRY.plus(STALE));

    load(cache, "other", "w", null); // drops "old" from the lru order

    assertThat(cache.getStale("old")).isNull();
    assertThat(cache.evictionCount(EvictionCause.EXPIRED)).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValueEndedByItsOwnExpiryNeverGoesStale(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "token", "secret", Duration.ofSeconds(1));
    ticker.advance(Duration.ofSeconds(1));
    cache.get("token");
    loader.fail("token");

    assertThat(cache.getStale("token")).isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValueReportedChangedOrPurgedNeverGoesStale(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "changed", "old", null);
    load(cache, "purged", "old", null);
    load(cache, "flushed", "old", null);
    cache.invalidateLoaded("changed", EvictionCause.INVALIDATED);
    cache.invalidate("purged", EvictionCause.PURGED);
    cache.invalidateAllLoaded(EvictionCause.INVALIDATED);

    assertThat(cache.getStale("changed")).isNull();
    assertThat(cache.getStale("purged")).isNull();
    assertThat(cache.getStale("flushed")).isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aStaleValueIsForgottenWhenItsKeyIsReportedChanged(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "k", "old", null);
    expireAndFailReload(cache, "k");
    assertThat(cache.getStale("k")).isNotNull();

    cache.invalidateLoaded("k", EvictionCause.INVALIDATED);

    assertThat(cache.getStale("k")).isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void valuesDroppedAsUntrackedStayAvailableAsStale(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "a", "va", null);
    load(cache, "b", "vb", null);
    load(cache, "c", "vc", null);

    cache.invalidateAll(EvictionCause.UNTRACKED);
    cache.invalidateIf(key -> true, EvictionCause.UNTRACKED);

    assertThat(cache.getLoaded("a")).isNull();
    assertThat(cache.getStale("a").text()).isEqualTo("va");
    assertThat(cache.getStale("c").text()).isEqualTo("vc");
    assertThat(cache.evictionCount(EvictionCause.UNTRACKED)).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aFreshLoadReplacesTheStaleValue(CachePolicy policy) {
    LocalCache<String, Timed> cache = staleCache(policy);
    load(cache, "k", "old", null);
    expireAndFailReload(cache, "k");

    load(cache, "k", "new", null);

    assertThat(cache.getStale("k")).isNull();
    assertThat(loadedText(cache, "k")).isEqualTo("new");
  }

  @Test
  void staleValuesAreOffByDefault() {
    LocalCache<String, Timed> cache = cache(config(CachePolicy.LRU, 100));
    load(cache, "k", "old", null);
    expireAndFailReload(cache, "k");

    assertThat(cache.getStale("k")).isNull();
  }

  private LocalCache<String, Timed> refreshingCache(CachePolicy policy) {
    return cache(config(policy, 100).withFreshness(Duration.ZERO, 0.5));
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aHitPastTheFractionOfItsLifeAnswersAtOnceAndStartsOneReload(CachePolicy policy) {
    LocalCache<String, Timed> cache = refreshingCache(policy);
    load(cache, "hot", "v1", null);

    ticker.advance(EXPIRY.dividedBy(2).minusNanos(1));
    assertThat(loadedText(cache, "hot")).isEqualTo("v1");
    assertThat(loader.loadsOf("hot")).as("too young to refresh").isEqualTo(1);

    ticker.advance(Duration.ofNanos(1));
    assertThat(loadedText(cache, "hot")).isEqualTo("v1");
    assertThat(cache.get("hot").hit()).isTrue();
    assertThat(loader.loadsOf("hot")).as("one refresh, however many hits").isEqualTo(2);
    assertThat(cache.refreshes()).isEqualTo(1);

    loader.complete("hot", "v2");

    assertThat(loadedText(cache, "hot")).isEqualTo("v2");
    ticker.advance(EXPIRY.minusNanos(1)); // the refreshed value's life starts at its read
    assertThat(cache.get("hot").hit()).isTrue();
    assertThat(cache.estimatedSize()).isEqualTo(1);
  }

  /** Under lru the refreshed value takes the old one's place in the order and in the bytes. */
  @Test
  void underLruARefreshReplacesTheEntryInTheOrderAndTheBytes() {
    LocalCache<String, Timed> cache =
        cache(config(CachePolicy.LRU, 2).withBytes(1000, 1000).withFreshness(Duration.ZERO, 0.5));
    load(cache, "hot", "v1", null);
    ticker.advance(EXPIRY.dividedBy(2));
    cache.getLoaded("hot");
    loader.complete("hot", "v22");

    assertThat(cache.bytes()).isEqualTo("hot".length() + "v22".length());
    load(cache, "b", "b", null);
    load(cache, "c", "c", null); // capacity 2: the least recently read goes, which is "hot"

    assertThat(cache.getLoaded("hot")).isNull();
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isEqualTo(1);
    assertThat(cache.bytes()).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aRefreshThatFindsTheKeyGoneRemovesIt(CachePolicy policy) {
    LocalCache<String, Timed> cache = refreshingCache(policy);
    load(cache, "k", "v", null);
    ticker.advance(EXPIRY.dividedBy(2));
    cache.getLoaded("k");

    loader.complete("k", null);

    assertThat(cache.getLoaded("k")).isNull();
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aFailedRefreshLeavesTheEntryToExpireAsBefore(CachePolicy policy) {
    LocalCache<String, Timed> cache = refreshingCache(policy);
    load(cache, "k", "v", null);
    ticker.advance(EXPIRY.dividedBy(2));
    cache.getLoaded("k");

    loader.fail("k");

    assertThat(loadedText(cache, "k")).isEqualTo("v");
    assertThat(loader.loadsOf("k")).as("no second refresh of the same entry").isEqualTo(2);
    ticker.advance(EXPIRY.dividedBy(2));
    assertThat(cache.getLoaded("k")).isNull();
  }

  /** An invalidation that arrives while a refresh is in flight wins: its value is not kept. */
  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aRefreshOvertakenByItsKeysInvalidationIsNotKept(CachePolicy policy) {
    LocalCache<String, Timed> cache = refreshingCache(policy);
    load(cache, "k", "old", null);
    ticker.advance(EXPIRY.dividedBy(2));
    cache.getLoaded("k");

    cache.invalidateLoaded("k", EvictionCause.INVALIDATED);
    loader.complete("k", "maybe older than the write");

    assertThat(cache.getLoaded("k")).isNull();
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void refreshAheadIsOffByDefault(CachePolicy policy) {
    LocalCache<String, Timed> cache = cache(config(policy, 100));
    load(cache, "k", "v", null);
    ticker.advance(EXPIRY.minusNanos(1));

    assertThat(loadedText(cache, "k")).isEqualTo("v");
    assertThat(loader.loadsOf("k")).isEqualTo(1);
  }
}
