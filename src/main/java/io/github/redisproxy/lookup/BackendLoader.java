package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.RedisValue;
import io.github.redisproxy.cache.Loader;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The cache's loader: one backend {@code GET}, timed. Whether its value may be kept is the {@link
 * TrackingSession}'s answer, which the cache asks for ({@link #keepCondition}, {@link
 * #completesInOrder}); the loader itself never touches the cache.
 *
 * <p>The result is completed on the thread that delivers Redis' reply: usually Lettuce's event
 * loop, so the cache records the value before that thread reads the next message from Redis, which
 * may be an invalidation of this very key; now and then the thread that sent the {@code GET} (see
 * {@link TrackingSession#completesInOrder}).
 */
public final class BackendLoader implements Loader<Key, CachedValue> {
  private final Backend backend;
  private final TrackingSession session;
  private final Timer successes;
  private final Timer failures;
  private final LongSupplier clock;
  private final long expiryNanos;

  /**
   * A loader that reads from {@code backend} and times each load in {@code timers} ({@link
   * LookupMeters#loadTimers}).
   *
   * @param clock the cache's clock, in nanoseconds
   * @param expiry GLOBAL_CACHE_EXPIRY: the longest a value may live, whatever Redis says
   */
  public BackendLoader(
      Backend backend,
      TrackingSession session,
      LookupMeters.LoadTimers timers,
      LongSupplier clock,
      Duration expiry) {
    this.backend = backend;
    this.session = session;
    this.successes = timers.success();
    this.failures = timers.failure();
    this.clock = clock;
    this.expiryNanos = expiry.toNanos();
  }

  @Override
  public void load(Key key, CompletableFuture<CachedValue> result) {
    long start = System.nanoTime();
    long sentAt = clock.getAsLong();
    backend
        .get(key.bytes())
        .subscribe(
            value -> finish(start, sentAt, result, value),
            error -> {
              failures.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              result.completeExceptionally(error);
            },
            () ->
                finish(
                    start, sentAt, result, null)); // after a value, a no-op: result is already done
  }

  private void finish(
      long start, long sentAt, CompletableFuture<CachedValue> result, RedisValue value) {
    if (result.isDone()) {
      return;
    }
    successes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    result.complete(
        value == null
            ? null
            : CachedValue.read(
                value.bytes(),
                value.hasTtl() ? TimeUnit.MILLISECONDS.toNanos(value.ttlMillis()) : -1,
                sentAt,
                clock.getAsLong(),
                expiryNanos));
  }

  @Override
  public KeepCondition keepCondition(Key key) {
    KeepCondition tracked = session.keepCondition();
    Backend.ReadCondition routed = backend.readCondition(key.bytes());
    if (routed == Backend.ReadCondition.ALWAYS) {
      return tracked;
    }
    return () -> tracked.holds() && routed.holds();
  }

  @Override
  public boolean completesInOrder() {
    return session.completesInOrder();
  }
}
