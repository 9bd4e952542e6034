package io.github.redisproxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The contract both eviction policies share; only what they evict differs (see {@link
 * ExactLruOrderTest}).
 */
class LocalCacheContractTest {
  private static final Duration EXPIRY = Duration.ofSeconds(10);

  private final FakeTicker ticker = new FakeTicker();
  private final ManualLoader loader = new ManualLoader();

  private LocalCache<String, String> cache(CachePolicy policy) {
    return cache(policy, Loader.of(loader));
  }

  private LocalCache<String, String> cache(CachePolicy policy, Loader<String, String> loader) {
    return LocalCaches.create(new CacheConfig(100, EXPIRY, policy), ticker, loader);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void concurrentReadsOfAColdKeyShareOneLoad(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    List<CacheRead<String>> reads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      reads.add(cache.get("k"));
    }
    assertThat(loader.loadsOf("k")).isEqualTo(1);
    assertThat(reads.get(0).source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(reads.subList(1, 20))
        .allMatch(read -> read.source() == CacheRead.Source.JOINED_LOAD);

    loader.complete("k", "v");

    assertThat(reads).allMatch(read -> "v".equals(read.value().join()));
    CacheRead<String> after = cache.get("k");
    assertThat(after.hit()).isTrue();
    assertThat(after.value().join()).isEqualTo("v");
    assertThat(loader.loadsOf("k")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void getLoadedAnswersOnlyALoadedFreshValueAndNeverStartsOrJoinsALoad(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    assertThat(cache.getLoaded("k")).as("absent").isNull();
    assertThat(loader.loadsOf("k")).isZero();

    cache.get("k");
    assertThat(cache.getLoaded("k")).as("loading").isNull();
    assertThat(loader.loadsOf("k")).isEqualTo(1);

    loader.complete("k", "v");
    assertThat(cache.getLoaded("k")).isEqualTo("v");

    ticker.advance(EXPIRY);
    assertThat(cache.getLoaded("k")).as("expired").isNull();
    assertThat(loader.loadsOf("k")).isEqualTo(1);

    cache.get("failing");
    loader.fail("failing", new IllegalStateException("down"));
    assertThat(cache.getLoaded("failing")).as("failed").isNull();
    cache.get("absent");
    loader.complete("absent", null);
    assertThat(cache.getLoaded("absent")).as("found nothing").isNull();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void nSubscribersOnAColdKeyCauseOneLoad(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    Mono<String> read = Mono.defer(() -> Mono.fromFuture(cache.get("k").value(), true));

    List<StepVerifier> subscribers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      subscribers.add(StepVerifier.create(read).expectNext("v").expectComplete().verifyLater());
    }
    loader.complete("k", "v");

    subscribers.forEach(subscriber -> subscriber.verify(Duration.ofSeconds(1)));
    assertThat(loader.loadsOf("k")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void failedLoadIsNotCachedAndTheNextReadRetries(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    CacheRead<String> first = cache.get("k");
    loader.fail("k", new IllegalStateException("backend down"));
    assertThat(first.value()).isCompletedExceptionally();

    // Immediately after its waiters saw the failure: the next read must start a new load.
    CacheRead<String> retry = cache.get("k");
    assertThat(retry.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(loader.loadsOf("k")).isEqualTo(2);
    loader.complete("k", "v");
    assertThat(retry.value().join()).isEqualTo("v");
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void loaderThatThrowsOrFailsAtOnceIsNotCached(CachePolicy policy) {
    int[] calls = {0};
    LocalCache<String, String> cache =
        LocalCaches.create(
            new CacheConfig(10, EXPIRY, policy),
            ticker,
            key -> {
              calls[0]++;
              if (calls[0] == 1) {
                throw new IllegalStateException("synchronous failure");
              }
              return calls[0] == 2
                  ? CompletableFuture.failedFuture(new IllegalStateException("rejected at once"))
                  : CompletableFuture.completedFuture("v");
            });

    assertThat(cache.get("k").value()).isCompletedExceptionally();
    assertThat(cache.get("k").value()).isCompletedExceptionally();
    CacheRead<String> third = cache.get("k");
    assertThat(third.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(third.value().join()).isEqualTo("v");
    assertThat(cache.get("k").hit()).isTrue();
    assertThat(calls[0]).isEqualTo(3);
  }

  /** A keep condition that throws fails its load like a loader that throws, and is not cached. */
  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void keepConditionThatThrowsFailsTheLoad(CachePolicy policy) {
    boolean[] failing = {true};
    Loader<String, String> loader =
        new Loader<>() {
          @Override
          public void load(String key, CompletableFuture<String> result) {
            result.complete("v");
          }

          @Override
          public KeepCondition keepCondition(String key) {
            if (failing[0]) {
              throw new IllegalStateException("cannot say");
            }
            return KeepCondition.ALWAYS;
          }
        };
    LocalCache<String, String> cache = cache(policy, loader);

    assertThat(cache.get("k").value()).isCompletedExceptionally();
    failing[0] = false;
    CacheRead<String> next = cache.get("k");
    assertThat(next.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(next.value().join()).isEqualTo("v");
    assertThat(cache.get("k").hit()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void absentKeyIsNotCached(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    CacheRead<String> first = cache.get("k");
    loader.complete("k", null);
    assertThat(first.value().join()).isNull();

    CacheRead<String> second = cache.get("k");
    assertThat(second.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(loader.loadsOf("k")).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void cancellingOneSubscriberDoesNotCancelTheSharedLoad(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    Mono<String> read = Mono.defer(() -> Mono.fromFuture(cache.get("k").value(), true));

    StepVerifier.create(read).thenCancel().verify(Duration.ofSeconds(1));
    StepVerifier staying = StepVerifier.create(read).expectNext("v").expectComplete().verifyLater();
    loader.complete("k", "v");

    staying.verify(Duration.ofSeconds(1));
    assertThat(loader.loadsOf("k")).isEqualTo(1);
    assertThat(cache.get("k").hit()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void entryExpiresAFixedTimeAfterItsLoadCompleted(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    cache.get("k");
    ticker.advance(Duration.ofSeconds(30)); // a slow load: longer than the expiry itself
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.JOINED_LOAD);
    loader.complete("k", "v");

    ticker.advance(EXPIRY.minusNanos(1));
    assertThat(cache.get("k").hit()).isTrue();

    ticker.advance(Duration.ofNanos(1));
    CacheRead<String> expired = cache.get("k");
    assertThat(expired.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    assertThat(loader.loadsOf("k")).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void readingDoesNotExtendTheExpiry(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    cache.get("k");
    loader.complete("k", "v");
    for (int i = 0; i < 9; i++) {
      ticker.advance(Duration.ofSeconds(1));
      assertThat(cache.get("k").hit()).isTrue();
    }
    ticker.advance(Duration.ofSeconds(1));
    assertThat(cache.get("k").hit()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void keyInvalidatedWhileLoadingAnswersItsCallersButIsNotCached(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    CacheRead<String> read = cache.get("k");
    cache.invalidate("k", EvictionCause.PURGED);
    loader.complete("k", "old");

    assertThat(read.value().join()).isEqualTo("old");
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void invalidateAllEmptiesTheCache(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    for (String key : List.of("a", "b", "c")) {
      cache.get(key);
      loader.complete(key, key);
    }
    cache.invalidateAll(EvictionCause.PURGED);
    assertThat(cache.estimatedSize()).isZero();
    assertThat(cache.get("a").hit()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void sizeNeverExceedsTheCapacity(CachePolicy policy) {
    LocalCache<String, String> cache =
        LocalCaches.create(
            new CacheConfig(50, EXPIRY, policy),
            ticker,
            key -> CompletableFuture.completedFuture(key));
    for (int i = 0; i < 1_000; i++) {
      cache.get("k" + (i % 200));
    }
    assertThat(cache.estimatedSize()).isLessThanOrEqualTo(50);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void purgesAreCountedOnlyForKeysThatWereThere(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    for (String key : List.of("a", "b", "c", "d")) {
      cache.get(key);
      loader.complete(key, key);
    }
    cache.get("loading"); // a load in flight is in the cache too

    assertThat(cache.invalidate("a", EvictionCause.PURGED)).isTrue();
    assertThat(cache.invalidate("a", EvictionCause.PURGED)).isFalse();
    assertThat(cache.invalidate("never-read", EvictionCause.PURGED)).isFalse();
    assertThat(cache.evictionCount(EvictionCause.PURGED)).isEqualTo(1);

    assertThat(cache.invalidateAll(EvictionCause.PURGED))
        .isEqualTo(4); // b, c, d and the load in flight
    assertThat(cache.evictionCount(EvictionCause.PURGED)).isEqualTo(5);
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isZero();
    assertThat(cache.evictionCount(EvictionCause.EXPIRED)).isZero();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void invalidatingLoadedValuesLeavesLoadsInFlightAlone(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    for (String key : List.of("a", "b")) {
      cache.get(key);
      loader.complete(key, key);
    }
    CacheRead<String> loading = cache.get("loading");

    assertThat(cache.invalidateLoaded("loading", EvictionCause.INVALIDATED)).isFalse();
    assertThat(cache.invalidateLoaded("a", EvictionCause.INVALIDATED)).isTrue();
    assertThat(cache.invalidateAllLoaded(EvictionCause.INVALIDATED)).isEqualTo(1); // b
    assertThat(cache.evictionCount(EvictionCause.INVALIDATED)).isEqualTo(2);

    loader.complete("loading", "kept");
    assertThat(loading.value().join()).isEqualTo("kept");
    assertThat(cache.get("loading").hit()).isTrue();
    assertThat(cache.estimatedSize()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aValueIsLoadedFromTheMomentItsLoaderCompletesTheResult(CachePolicy policy) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    LocalCache<String, String> cache = cache(policy, (key, result) -> results.add(result));
    CacheRead<String> read = cache.get("k");
    results
        .get(0)
        .complete("old"); // on the thread that completes it, the cache records the value at once...
    assertThat(cache.invalidateLoaded("k", EvictionCause.INVALIDATED))
        .isTrue(); // ...so an invalidation finds it
    assertThat(read.value().join()).isEqualTo("old");
    assertThat(cache.get("k").source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
  }

  /**
   * A load in flight that an invalidation overtook is kept only if its loader says the value was
   * read after that invalidation; otherwise it answers its callers and leaves, and the next read
   * starts a new load.
   */
  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void anOvertakenLoadWhoseLoaderCannotSayItCompletedInOrderAnswersItsCallersButIsNotKept(
      CachePolicy policy) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    Loader<String, String> outOfOrder =
        new Loader<>() {
          @Override
          public void load(String key, CompletableFuture<String> result) {
            results.add(result);
          }

          @Override
          public boolean completesInOrder() {
            return false;
          }
        };
    LocalCache<String, String> cache = cache(policy, outOfOrder);
    CacheRead<String> overtaken = cache.get("overtaken");
    CacheRead<String> untouched = cache.get("untouched");

    assertThat(cache.invalidateLoaded("overtaken", EvictionCause.INVALIDATED))
        .isFalse(); // in flight: marked only
    assertThat(cache.get("overtaken").source()).isEqualTo(CacheRead.Source.JOINED_LOAD);
    results.get(0).complete("maybe older than the write");
    results.get(1).complete("no invalidation overtook it");

    assertThat(overtaken.value().join()).isEqualTo("maybe older than the write");
    assertThat(untouched.value().join()).isEqualTo("no invalidation overtook it");
    assertThat(cache.getLoaded("overtaken")).isNull();
    assertThat(cache.getLoaded("untouched")).isEqualTo("no invalidation overtook it");
    assertThat(cache.estimatedSize()).isEqualTo(1);
  }

  /**
   * The loader's keep condition is taken when a load starts and asked when it completes: a value it
   * no longer vouches for (under tracking: the session it was read in was lost) answers its callers
   * and is removed, counted as invalidated; a load whose condition still holds is kept.
   */
  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aLoadWhoseKeepConditionFailedAnswersItsCallersButIsNotKept(CachePolicy policy) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    AtomicBoolean vouched = new AtomicBoolean(true);
    Loader<String, String> vouching =
        new Loader<>() {
          @Override
          public void load(String key, CompletableFuture<String> result) {
            results.add(result);
          }

          @Override
          public KeepCondition keepCondition(String key) {
            boolean atStart = vouched.get();
            return () -> atStart && vouched.get();
          }
        };
    LocalCache<String, String> cache = cache(policy, vouching);
    CacheRead<String> refused = cache.get("refused");
    vouched.set(false);
    results.get(0).complete("read while it could not be vouched for");
    vouched.set(true);
    CacheRead<String> kept = cache.get("kept");
    results.get(1).complete("still vouched for");

    assertThat(refused.value().join()).isEqualTo("read while it could not be vouched for");
    assertThat(cache.getLoaded("refused")).isNull();
    assertThat(cache.evictionCount(EvictionCause.INVALIDATED)).isEqualTo(1);
    assertThat(kept.value().join()).isEqualTo("still vouched for");
    assertThat(cache.getLoaded("kept")).isEqualTo("still vouched for");
    assertThat(cache.estimatedSize()).isEqualTo(1);
  }

  /**
   * A purge can overtake the load it removes: the next read starts a second load of the same key,
   * and the first load, completing late, must neither be kept nor disturb the second.
   */
  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void aLoadPurgedInFlightThatCompletesLateLeavesTheNextLoadOfItsKeyAlone(CachePolicy policy) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    LocalCache<String, String> cache = cache(policy, (key, result) -> results.add(result));
    CacheRead<String> first = cache.get("k");
    assertThat(cache.invalidate("k", EvictionCause.PURGED)).isTrue();
    CacheRead<String> second = cache.get("k");
    assertThat(second.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);

    results.get(1).complete("new");
    results.get(0).complete("old");

    assertThat(first.value().join()).isEqualTo("old");
    assertThat(second.value().join()).isEqualTo("new");
    assertThat(cache.getLoaded("k")).isEqualTo("new");
    assertThat(cache.estimatedSize()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void everyLoadedKeyNotInTheCacheWasEvictedForSize(CachePolicy policy) {
    List<String> loads = new ArrayList<>();
    LocalCache<String, String> cache =
        LocalCaches.create(
            new CacheConfig(50, EXPIRY, policy),
            ticker,
            key -> {
              loads.add(key);
              return CompletableFuture.completedFuture(key);
            });
    for (int i = 0; i < 1_000; i++) {
      cache.get("k" + (i % 200));
    }
    assertThat(cache.evictionCount(EvictionCause.SIZE))
        .isEqualTo(loads.size() - cache.estimatedSize());
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isPositive();
    assertThat(cache.evictionCount(EvictionCause.EXPIRED)).isZero();
    assertThat(cache.evictionCount(EvictionCause.PURGED)).isZero();
  }

  @ParameterizedTest
  @EnumSource(CachePolicy.class)
  void anExpiredEntryIsCountedOnceWhenItIsReplaced(CachePolicy policy) {
    LocalCache<String, String> cache = cache(policy);
    cache.get("a");
    loader.complete("a", "old");
    ticker.advance(EXPIRY);

    CacheRead<String> reload = cache.get("a");
    assertThat(reload.source()).isEqualTo(CacheRead.Source.STARTED_LOAD);
    loader.complete("a", "new");

    assertThat(cache.evictionCount(EvictionCause.EXPIRED)).isEqualTo(1);
    assertThat(cache.evictionCount(EvictionCause.SIZE)).isZero();
  }
}
