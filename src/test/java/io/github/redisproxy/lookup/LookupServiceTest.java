package io.github.redisproxy.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.app.LookupWiring;
import io.github.redisproxy.backend.BackendException;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import io.github.redisproxy.config.ServerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class LookupServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(2);

  private final FakeBackend backend = new FakeBackend();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private LookupService service(int maxConcurrency, int maxQueued) {
    return LookupWiring.wire(
        new CacheConfig(100, Duration.ofMinutes(1), CachePolicy.LRU),
        new ServerConfig(
            "127.0.0.1",
            8080,
            maxConcurrency,
            maxQueued,
            Duration.ofSeconds(5),
            Duration.ofSeconds(1),
            false,
            0),
        backend,
        Ticker.systemTicker(),
        registry);
  }

  /** A lookup of {@code key} subscribed now, to be verified later: one answer, then completion. */
  private static StepVerifier answersLater(LookupService lookups, String key) {
    return StepVerifier.create(lookups.lookup(Key.of(key)))
        .expectNextCount(1)
        .expectComplete()
        .verifyLater();
  }

  /**
   * What a front end's answer receives if {@code key} is answered in place, while {@link
   * LookupService#lookup(Key, java.util.function.Function)} runs; null if the lookup would need a
   * pipeline (which is left unsubscribed: nothing is started).
   */
  private static Lookup answeredInPlace(LookupService lookups, String key) {
    AtomicReference<Lookup> answered = new AtomicReference<>();
    lookups.lookup(
        Key.of(key),
        lookup -> {
          answered.set(lookup);
          return Mono.just(lookup);
        });
    return answered.get();
  }

  private static String text(Lookup lookup) {
    return new String(lookup.value(), StandardCharsets.UTF_8);
  }

  @Test
  void lookupIsColdUntilSubscribed() {
    Mono<Lookup> lookup = service(10, 10).lookup(Key.of("k"));
    assertThat(backend.gets()).isZero();
    StepVerifier.create(lookup)
        .then(() -> backend.answer("k", "v"))
        .expectNextCount(1)
        .verifyComplete();
    assertThat(backend.gets()).isEqualTo(1);
  }

  @Test
  void missThenHit() {
    LookupService lookups = service(10, 10);
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .then(() -> backend.answer("k", "v"))
        .assertNext(
            lookup -> {
              assertThat(text(lookup)).isEqualTo("v");
              assertThat(lookup.hit()).isFalse();
            })
        .verifyComplete();
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .assertNext(lookup -> assertThat(lookup.hit()).isTrue())
        .verifyComplete();
    assertThat(backend.gets()).isEqualTo(1);
  }

  @Test
  void coldKeyRequestedConcurrentlyLoadsOnce() {
    LookupService lookups = service(100, 10);
    List<StepVerifier> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(
          StepVerifier.create(lookups.lookup(Key.of("hot")))
              .assertNext(lookup -> assertThat(text(lookup)).isEqualTo("v"))
              .expectComplete()
              .verifyLater());
    }
    backend.answer("hot", "v");
    requests.forEach(request -> request.verify(WAIT));
    assertThat(backend.gets()).isEqualTo(1);
  }

  @Test
  void aClientThatGoesAwayDoesNotCancelTheLoadOthersShare() {
    LookupService lookups = service(100, 10);
    StepVerifier staying = answersLater(lookups, "k");
    StepVerifier.create(lookups.lookup(Key.of("k"))).thenCancel().verify(WAIT);

    backend.answer("k", "v");

    staying.verify(WAIT);
    assertThat(backend.cancelled()).isZero();
    assertThat(backend.gets()).isEqualTo(1);
  }

  @Test
  void absentKeyIsAnsweredAndNotCached() {
    LookupService lookups = service(10, 10);
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .then(() -> backend.answer("k", null))
        .assertNext(lookup -> assertThat(lookup.found()).isFalse())
        .verifyComplete();
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .then(() -> backend.answer("k", "now"))
        .assertNext(lookup -> assertThat(text(lookup)).isEqualTo("now"))
        .verifyComplete();
    assertThat(backend.gets()).isEqualTo(2);
  }

  @Test
  void backendFailuresBecomeLookupReasons() {
    LookupService lookups = service(10, 10);
    for (BackendException.Kind kind : BackendException.Kind.values()) {
      String key = "k-" + kind;
      StepVerifier.create(lookups.lookup(Key.of(key)))
          .then(() -> backend.fail(key, new BackendException(kind, "because " + kind, null)))
          .expectErrorSatisfies(
              error -> {
                assertThat(error).isInstanceOf(LookupException.class).hasMessage("because " + kind);
                assertThat(((LookupException) error).reason().name())
                    .isEqualTo(
                        switch (kind) {
                          case UNAVAILABLE -> "BACKEND_UNAVAILABLE";
                          case TIMEOUT -> "BACKEND_TIMEOUT";
                          case WRONG_TYPE -> "WRONG_TYPE";
                          case ERROR -> "BACKEND_ERROR";
                        });
              })
          .verify(WAIT);
    }
  }

  @Test
  void failedLoadIsRetriedByTheNextRequest() {
    LookupService lookups = service(10, 10);
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .then(
            () ->
                backend.fail(
                    "k", new BackendException(BackendException.Kind.TIMEOUT, "slow", null)))
        .expectError(LookupException.class)
        .verify(WAIT);
    StepVerifier.create(lookups.lookup(Key.of("k")))
        .then(() -> backend.answer("k", "v"))
        .assertNext(lookup -> assertThat(text(lookup)).isEqualTo("v"))
        .verifyComplete();
    assertThat(backend.gets()).isEqualTo(2);
  }

  @Test
  void requestsBeyondConcurrencyAndQueueAreRefusedAtOnce() {
    LookupService lookups = service(2, 1);
    StepVerifier first = answersLater(lookups, "a");
    StepVerifier second = answersLater(lookups, "b");
    StepVerifier queued = answersLater(lookups, "c");
    assertThat(lookups.running()).isEqualTo(2);
    assertThat(lookups.queued()).isEqualTo(1);
    assertThat(backend.isWaiting("c")).isFalse();

    StepVerifier.create(lookups.lookup(Key.of("d")))
        .expectErrorSatisfies(
            error ->
                assertThat(((LookupException) error).reason())
                    .isEqualTo(LookupException.Reason.OVERLOADED))
        .verify(WAIT);

    backend.answer("a", "1");
    first.verify(WAIT);
    assertThat(backend.isWaiting("c")).isTrue(); // the queued request got the freed slot
    backend.answer("b", "2");
    backend.answer("c", "3");
    second.verify(WAIT);
    queued.verify(WAIT);
    assertThat(lookups.running()).isZero();
  }

  @Test
  void aCachedValueIsAnsweredInPlaceOnlyWhileASlotIsFree() {
    LookupService lookups = service(1, 10);
    assertThat(answeredInPlace(lookups, "a")).as("not cached yet").isNull();
    StepVerifier load = answersLater(lookups, "a");
    backend.answer("a", "1");
    load.verify(WAIT);

    Lookup hit = answeredInPlace(lookups, "a");
    assertThat(hit.hit()).isTrue();
    assertThat(new String(hit.value(), StandardCharsets.UTF_8)).isEqualTo("1");
    assertThat(lookups.stats().hits()).isEqualTo(1);
    assertThat(lookups.running()).isZero();

    StepVerifier busy = answersLater(lookups, "b");
    assertThat(answeredInPlace(lookups, "a"))
        .as("MAX_CONCURRENCY=1 and a miss holds the slot")
        .isNull();
    assertThat(lookups.stats().hits()).as("a refused fast path counts nothing").isEqualTo(1);
    backend.answer("b", "2");
    busy.verify(WAIT);
    assertThat(answeredInPlace(lookups, "a")).isNotNull();
  }

  @Test
  void maxConcurrencyOfOneIsStrictlySequential() {
    LookupService lookups = service(1, 10);
    StepVerifier first = answersLater(lookups, "a");
    StepVerifier second = answersLater(lookups, "b");
    assertThat(backend.isWaiting("a")).isTrue();
    assertThat(backend.isWaiting("b")).isFalse();
    backend.answer("a", "1");
    first.verify(WAIT);
    assertThat(backend.isWaiting("b")).isTrue();
    backend.answer("b", "2");
    second.verify(WAIT);
  }

  @Test
  void aQueuedRequestThatGivesUpFreesItsPlace() {
    LookupService lookups = service(1, 1);
    StepVerifier running = answersLater(lookups, "a");
    StepVerifier.create(lookups.lookup(Key.of("b"))).thenCancel().verify(WAIT);
    assertThat(lookups.queued()).isZero();

    StepVerifier next = answersLater(lookups, "c");
    backend.answer("a", "1");
    running.verify(WAIT);
    backend.answer("c", "3");
    next.verify(WAIT);
    assertThat(backend.isWaiting("b")).isFalse();
    assertThat(lookups.running()).isZero();
  }

  @Test
  void aRequestWaitingLongerThanTheQueueTimeoutIsRefused() {
    LookupService lookups =
        LookupWiring.wire(
            new CacheConfig(100, Duration.ofMinutes(1), CachePolicy.LRU),
            new ServerConfig(
                "127.0.0.1", 8080, 1, 10, Duration.ofMillis(50), Duration.ofSeconds(1), false, 0),
            backend,
            Ticker.systemTicker(),
            registry);
    StepVerifier running = answersLater(lookups, "a");
    StepVerifier.create(lookups.lookup(Key.of("b")))
        .expectErrorSatisfies(
            error ->
                assertThat(((LookupException) error).reason())
                    .isEqualTo(LookupException.Reason.OVERLOADED))
        .verify(WAIT);
    backend.answer("a", "1");
    running.verify(WAIT);
  }
}
