package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.cache.Loader;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
public final class BackendLoader implements Loader<Key, byte[]> {
  private final Backend backend;
  private final TrackingSession session;
  private final Timer successes;
  private final Timer failures;

  /**
   * A loader that reads from {@code backend} and times each load in {@code timers} ({@link
   * LookupMeters#loadTimers}).
   */
  public BackendLoader(Backend backend, TrackingSession session, LookupMeters.LoadTimers timers) {
    this.backend = backend;
    this.session = session;
    this.successes = timers.success();
    this.failures = timers.failure();
  }

  @Override
  public void load(Key key, CompletableFuture<byte[]> result) {
    long start = System.nanoTime();
    backend
        .get(key.bytes())
        .subscribe(
            value -> finish(start, result, value),
            error -> {
              failures.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              result.completeExceptionally(error);
            },
            () -> finish(start, result, null)); // after a value, a no-op: result is already done
  }

  private void finish(long start, CompletableFuture<byte[]> result, byte[] value) {
    if (result.isDone()) {
      return;
    }
    successes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    result.complete(value);
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
