package io.github.redisproxy.lookup;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Lets at most {@code maxConcurrency} lookups run at once; up to {@code maxQueued} more wait in
 * arrival order (at most {@code maxWait}), and the rest fail at once with {@link
 * LookupException.Reason#OVERLOADED}.
 *
 * <p>Why not reactor-pool, which this replaced: every request, hits included, passes here, and a
 * pool acquire and release (a borrower, a pooled reference, a deque offer and poll, {@code
 * usingWhen}) cost more than the whole cache lookup. Here a free slot is one compare-and-set to
 * take and one decrement to give back, and only a request that has to wait builds anything: a
 * {@link Waiter} in a lock-free queue, handed a slot by whoever frees one.
 *
 * <p>Slots are counted in {@code running}. A slot is handed to a waiter only by {@link #drain},
 * which one thread at a time runs (the {@code drains} counter is the usual work-in-progress guard;
 * a thread that finds it taken leaves a "missed" mark and the running drain loops again). A freed
 * slot and a new waiter can therefore never miss each other: each of them runs {@code drain} after
 * making its change visible.
 */
public final class ConcurrencyGate {
  private final int maxConcurrency;
  private final int maxQueued;
  private final Duration maxWait;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  private final AtomicInteger drains = new AtomicInteger();
  private final LongAdder queueFull = new LongAdder();
  private final LongAdder queueTimeout = new LongAdder();

  public ConcurrencyGate(int maxConcurrency, int maxQueued, Duration maxWait) {
    this.maxConcurrency = maxConcurrency;
    this.maxQueued = maxQueued;
    this.maxWait = maxWait;
  }

  /**
   * Takes a slot now if one is free and nobody is waiting for one (waiters go first), without
   * building anything. A caller that gets {@code true} must call {@link #exit()} exactly once.
   */
  boolean tryEnter() {
    return queued.get() == 0 && takeSlot();
  }

  /** Gives back a slot taken by {@link #tryEnter()}, to the first waiter if there is one. */
  void exit() {
    running.decrementAndGet();
    if (queued.get() > 0) {
      drain();
    }
  }

  /**
   * Runs {@code work} once a slot is free, and frees it when {@code work} ends, fails or is
   * cancelled.
   */
  <T> Mono<T> run(Mono<T> work) {
    return Mono.defer(() -> tryEnter() ? work.doFinally(signal -> exit()) : afterWaiting(work));
  }

  private <T> Mono<T> afterWaiting(Mono<T> work) {
    if (queued.incrementAndGet() > maxQueued) {
      queued.decrementAndGet();
      queueFull.increment();
      return Mono.error(overloaded());
    }
    Mono<Waiter> slot =
        Mono.<Waiter>create(
                sink -> {
                  Waiter waiter = new Waiter(sink);
                  sink.onCancel(waiter::giveUp); // a client gone, or the wait timed out (below)
                  waiters.offer(waiter);
                  drain();
                })
            .timeout(
                maxWait,
                Mono.error(
                    () -> {
                      queueTimeout.increment();
                      return overloaded();
                    }));
    return Mono.usingWhen(slot, waiter -> work, Waiter::release);
  }

  /** Hands free slots to waiters, first come first served, skipping those that gave up. */
  private void drain() {
    if (drains.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      Waiter first;
      while ((first = waiters.peek()) != null) {
        if (first.gaveUp()) {
          waiters.poll();
          continue;
        }
        if (!takeSlot()) {
          break;
        }
        waiters.poll();
        if (!first.grant()) {
          running.decrementAndGet(); // it gave up just now; the slot goes to the next one
        }
      }
      missed = drains.addAndGet(-missed);
    } while (missed != 0);
  }

  private boolean takeSlot() {
    for (int now = running.get(); now < maxConcurrency; now = running.get()) {
      if (running.compareAndSet(now, now + 1)) {
        return true;
      }
    }
    return false;
  }

  /**
   * One request waiting for a slot. Its state moves once from {@code WAITING} to {@code GRANTED}
   * (it holds a slot) or {@code GAVE_UP}, and from {@code GRANTED} to {@code DONE}, whichever of
   * the request's end or its cancellation comes first: the slot is given back exactly once.
   */
  private final class Waiter {
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int GAVE_UP = 2;
    private static final int DONE = 3;

    private final MonoSink<Waiter> sink;
    private final AtomicInteger state = new AtomicInteger(WAITING);

    Waiter(MonoSink<Waiter> sink) {
      this.sink = sink;
    }

    boolean gaveUp() {
      return state.get() == GAVE_UP;
    }

    /** Hands this waiter a slot the caller has taken; {@code false} if it gave up first. */
    boolean grant() {
      if (!state.compareAndSet(WAITING, GRANTED)) {
        return false;
      }
      queued.decrementAndGet();
      // Runs the work now, on this thread, unless the request was cancelled meanwhile.
      sink.success(this);
      return true;
    }

    /** Cancelled: leaves the queue, or gives back the slot it was granted but never used. */
    void giveUp() {
      if (state.compareAndSet(WAITING, GAVE_UP)) {
        queued.decrementAndGet();
      } else {
        release();
      }
    }

    /** The work this slot was for has ended (or will never start). */
    Mono<Void> release() {
      if (state.compareAndSet(GRANTED, DONE)) {
        exit();
      }
      return Mono.empty();
    }
  }

  /** Lookups running now. */
  int running() {
    return running.get();
  }

  /** Lookups waiting for a slot now. */
  int queued() {
    return queued.get();
  }

  /** Lookups refused because the queue was full. */
  long refusedQueueFull() {
    return queueFull.sum();
  }

  /** Lookups refused because they waited longer than the queue allows. */
  long refusedQueueTimeout() {
    return queueTimeout.sum();
  }

  private static LookupException overloaded() {
    return new LookupException(
        LookupException.Reason.OVERLOADED, "too many requests in progress; retry shortly", null);
  }
}
