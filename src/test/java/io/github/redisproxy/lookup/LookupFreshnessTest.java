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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * What a lookup answers about freshness, on a fake clock: the entity tag and the seconds left, the
 * key's TTL in Redis, stale answers while Redis fails, and values too long to cache.
 */
class LookupFreshnessTest {
  private static final Duration WAIT = Duration.ofSeconds(2);
  private static final Duration EXPIRY = Duration.ofSeconds(10);

  private final FakeBackend backend = new FakeBackend();
  private final AtomicLong now = new AtomicLong();
  private final Ticker ticker = now::get;

  private LookupService service(CacheConfig cache) {
    return LookupWiring.wire(
        cache,
        new ServerConfig(
            "127.0.0.1", 8080, 10, 10, Duration.ofSeconds(5), Duration.ofSeconds(1), false, 0),
        backend,
        ticker,
        new SimpleMeterRegistry());
  }

  private static CacheConfig cache() {
    return new CacheConfig(100, EXPIRY, CachePolicy.LRU);
  }

  private void advance(Duration duration) {
    now.addAndGet(duration.toNanos());
  }

  private Lookup load(LookupService lookups, String key, String value, long ttlMillis) {
    Lookup[] answered = new Lookup[1];
    StepVerifier.create(lookups.lookup(Key.of(key)))
        .then(() -> backend.answer(key, value, ttlMillis))
        .consumeNextWith(lookup -> answered[0] = lookup)
        .verifyComplete();
    return answered[0];
  }

  private static Lookup cached(LookupService lookups, String key) {
    return lookups.lookup(Key.of(key)).block(WAIT);
  }

  private static String text(Lookup lookup) {
    return new String(lookup.value(), StandardCharsets.UTF_8);
  }

  @Test
  void answersCarryTheValuesTagAndTheWholeSecondsItStillLives() {
    LookupService lookups = service(cache());
    Lookup miss = load(lookups, "k", "v", -1);
    assertThat(miss.source()).isEqualTo(Lookup.Source.MISS);
    assertThat(miss.maxAgeSeconds()).isEqualTo(10);
    assertThat(miss.etag()).matches("\"[0-9a-f]{16}\"");

    advance(Duration.ofMillis(2500));
    Lookup hit = cached(lookups, "k");
    assertThat(hit.source()).isEqualTo(Lookup.Source.HIT);
    assertThat(hit.maxAgeSeconds()).isEqualTo(7);
    assertThat(hit.etag()).isEqualTo(miss.etag());
  }

  @Test
  void aKeysTtlInRedisEndsItsEntryBeforeTheCacheExpiry() {
    LookupService lookups = service(cache());
    assertThat(load(lookups, "token", "secret", 1500).maxAgeSeconds()).isEqualTo(1);

    advance(Duration.ofMillis(1499));
    assertThat(cached(lookups, "token").hit()).isTrue();
    advance(Duration.ofMillis(1));
    StepVerifier.create(lookups.lookup(Key.of("token")))
        .then(() -> backend.answer("token", null))
        .assertNext(lookup -> assertThat(lookup.found()).isFalse())
        .verifyComplete();
    assertThat(backend.gets()).isEqualTo(2);
  }

  @Test
  void aValueLongerThanTheLimitIsAnsweredAsBypassAndNotCached() {
    LookupService lookups = service(cache().withBytes(1 << 20, 4));
    Lookup big = load(lookups, "big", "12345", -1);
    assertThat(big.source()).isEqualTo(Lookup.Source.BYPASS);
    assertThat(big.maxAgeSeconds()).isZero();
    assertThat(text(big)).isEqualTo("12345");

    assertThat(load(lookups, "big", "12345", -1).source()).isEqualTo(Lookup.Source.BYPASS);
    assertThat(backend.gets()).isEqualTo(2);
    assertThat(load(lookups, "small", "1234", -1).source()).isEqualTo(Lookup.Source.MISS);
    assertThat(cached(lookups, "small").hit()).isTrue();
  }

  /**
   * Only a failure that means Redis could not be asked (unreachable, or no answer in time) is
   * answered with a stale value; Redis' own errors are answered as errors.
   */
  @Test
  void anExpiredValueAnswersStaleOnlyWhileRedisCannotBeAsked() {
    LookupService lookups = service(cache().withFreshness(Duration.ofSeconds(30), 0));
    load(lookups, "k", "last", -1);
    advance(EXPIRY);

    for (BackendException.Kind kind : BackendException.Kind.values()) {
      StepVerifier.Step<Lookup> verifier =
          StepVerifier.create(lookups.lookup(Key.of("k")))
              .then(() -> backend.fail("k", new BackendException(kind, "because " + kind, null)));
      switch (kind) {
        case UNAVAILABLE, TIMEOUT ->
            verifier
                .assertNext(
                    lookup -> {
                      assertThat(lookup.source()).isEqualTo(Lookup.Source.STALE);
                      assertThat(text(lookup)).isEqualTo("last");
                      assertThat(lookup.maxAgeSeconds()).isZero();
                    })
                .verifyComplete();
        case WRONG_TYPE, ERROR -> verifier.expectError(LookupException.class).verify(WAIT);
      }
    }
    assertThat(lookups.stats().stale()).isEqualTo(2);

    Lookup fresh = load(lookups, "k", "new", -1);
    assertThat(fresh.source()).as("Redis answers again: never stale").isEqualTo(Lookup.Source.MISS);
  }

  @Test
  void aKeyNeverLoadedHasNoStaleValue() {
    LookupService lookups = service(cache().withFreshness(Duration.ofSeconds(30), 0));
    StepVerifier.create(lookups.lookup(Key.of("never")))
        .then(
            () ->
                backend.fail(
                    "never", new BackendException(BackendException.Kind.UNAVAILABLE, "down", null)))
        .expectError(LookupException.class)
        .verify(WAIT);
  }

  @Test
  void theCachesBytesAreTheKeysAndValuesHeld() {
    LookupService lookups = service(cache());
    load(lookups, "ab", "value", -1);
    load(lookups, "cd", "longer value", -1);
    assertThat(lookups.stats().bytes()).isEqualTo(2 + 5 + 2 + 12);
  }
}
