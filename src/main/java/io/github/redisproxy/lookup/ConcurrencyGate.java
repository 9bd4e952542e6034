package io.github.redisproxy.lookup;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;

/**
 * Lets at most {@code maxConcurrency} lookups run at once; up to {@code maxQueued} more wait (at most
 * {@code maxWait}), and the rest fail at once with {@link LookupException.Reason#OVERLOADED}.
 *
 * <p>The slots are a reactor-pool of permits, which already does what a hand-written semaphore with a queue would
 * have to get right: FIFO waiters, a bound on the queue, a wait timeout, and a cancelled waiter giving its place
 * back without leaking a slot. Nothing blocks: a waiter is a subscriber, not a thread.
 */
final class ConcurrencyGate {
  private static final Object PERMIT = new Object();

  private final InstrumentedPool<Object> permits;
  private final Duration maxWait;
  private final LongAdder queueFull = new LongAdder();
  private final LongAdder queueTimeout = new LongAdder();

  ConcurrencyGate(int maxConcurrency, int maxQueued, Duration maxWait) {
    this.permits =
        PoolBuilder.from(Mono.just(PERMIT))
            .sizeBetween(0, maxConcurrency)
            .maxPendingAcquire(maxQueued)
            .buildPool();
    this.maxWait = maxWait;
  }

  /** Runs {@code work} once a slot is free, and frees it when {@code work} ends, fails or is cancelled. */
  <T> Mono<T> run(Mono<T> work) {
    return Mono.usingWhen(permits.acquire(maxWait), permit -> work, permit -> permit.release())
        .onErrorMap(ConcurrencyGate::isRefusal, this::overloaded);
  }

  /** Lookups running now. */
  int running() {
    return permits.metrics().acquiredSize();
  }

  /** Lookups waiting for a slot now. */
  int queued() {
    return permits.metrics().pendingAcquireSize();
  }

  private static boolean isRefusal(Throwable error) {
    return error instanceof PoolAcquirePendingLimitException || error instanceof PoolAcquireTimeoutException;
  }

  /** Lookups refused because the queue was full. */
  long refusedQueueFull() {
    return queueFull.sum();
  }

  /** Lookups refused because they waited longer than the queue allows. */
  long refusedQueueTimeout() {
    return queueTimeout.sum();
  }

  private LookupException overloaded(Throwable error) {
    (error instanceof PoolAcquirePendingLimitException ? queueFull : queueTimeout).increment();
    return new LookupException(
        LookupException.Reason.OVERLOADED, "too many requests in progress; retry shortly", error);
  }
}
