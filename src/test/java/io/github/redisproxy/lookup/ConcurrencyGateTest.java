package io.github.redisproxy.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.testing.Polling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The slots every lookup passes through: a bound on running work, a bounded FIFO queue, and no slot
 * ever lost.
 */
class ConcurrencyGateTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration LONG = Duration.ofMinutes(1);

  @Test
  void aFreeSlotIsTakenInPlaceAndGivenBack() {
    ConcurrencyGate gate = new ConcurrencyGate(2, 10, LONG);
    assertThat(gate.tryEnter()).isTrue();
    assertThat(gate.tryEnter()).isTrue();
    assertThat(gate.tryEnter()).as("both slots taken").isFalse();
    assertThat(gate.running()).isEqualTo(2);
    gate.exit();
    assertThat(gate.tryEnter()).isTrue();
    gate.exit();
    gate.exit();
    assertThat(gate.running()).isZero();
  }

  @Test
  void waitersGetFreedSlotsInArrivalOrder() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 10, LONG);
    Sinks.One<String> first = Sinks.one();
    List<String> order = new ArrayList<>();
    StepVerifier running =
        StepVerifier.create(gate.run(first.asMono()))
            .expectNext("first")
            .expectComplete()
            .verifyLater();
    List<StepVerifier> queued = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      queued.add(
          StepVerifier.create(gate.run(Mono.fromSupplier(() -> record(order, name))))
              .expectNext(name)
              .expectComplete()
              .verifyLater());
    }
    assertThat(gate.queued()).isEqualTo(3);
    assertThat(order).isEmpty();

    first.tryEmitValue("first");
    running.verify(WAIT);
    queued.forEach(verifier -> verifier.verify(WAIT));
    assertThat(order).containsExactly("a", "b", "c");
    assertThat(gate.running()).isZero();
    assertThat(gate.queued()).isZero();
  }

  @Test
  void aHitDoesNotOvertakeWaiters() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 10, LONG);
    Sinks.One<String> first = Sinks.one();
    StepVerifier running =
        StepVerifier.create(gate.run(first.asMono()))
            .expectNext("x")
            .expectComplete()
            .verifyLater();
    StepVerifier waiting =
        StepVerifier.create(gate.run(Mono.just("w")))
            .expectNext("w")
            .expectComplete()
            .verifyLater();
    assertThat(gate.tryEnter()).as("the slot is busy").isFalse();
    first.tryEmitValue("x");
    running.verify(WAIT);
    waiting.verify(WAIT);
    assertThat(gate.tryEnter()).as("free again, nobody waiting").isTrue();
    gate.exit();
  }

  @Test
  void beyondTheQueueARequestIsRefusedAtOnce() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 1, LONG);
    Sinks.One<String> first = Sinks.one();
    StepVerifier running =
        StepVerifier.create(gate.run(first.asMono()))
            .expectNext("1")
            .expectComplete()
            .verifyLater();
    StepVerifier waiting =
        StepVerifier.create(gate.run(Mono.just("2")))
            .expectNext("2")
            .expectComplete()
            .verifyLater();

    StepVerifier.create(gate.run(Mono.just("3")))
        .expectErrorSatisfies(ConcurrencyGateTest::assertOverloaded)
        .verify(WAIT);
    assertThat(gate.refusedQueueFull()).isEqualTo(1);
    assertThat(gate.queued()).as("the refused one never queued").isEqualTo(1);

    first.tryEmitValue("1");
    running.verify(WAIT);
    waiting.verify(WAIT);
    assertThat(gate.running()).isZero();
  }

  @Test
  void aWaitLongerThanTheQueueAllowsIsRefusedAndLeavesTheQueue() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 5, Duration.ofMillis(50));
    Sinks.One<String> first = Sinks.one();
    StepVerifier running =
        StepVerifier.create(gate.run(first.asMono()))
            .expectNext("1")
            .expectComplete()
            .verifyLater();
    AtomicInteger started = new AtomicInteger();
    StepVerifier.create(gate.run(Mono.fromSupplier(started::incrementAndGet)))
        .expectErrorSatisfies(ConcurrencyGateTest::assertOverloaded)
        .verify(WAIT);
    assertThat(gate.refusedQueueTimeout()).isEqualTo(1);
    assertThat(gate.queued()).isZero();

    first.tryEmitValue("1");
    running.verify(WAIT);
    assertThat(started).as("the work that timed out never runs").hasValue(0);
    assertThat(gate.running()).isZero();
  }

  @Test
  void aWaiterThatGivesUpFreesItsPlaceAndTakesNoSlot() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 1, LONG);
    Sinks.One<String> first = Sinks.one();
    StepVerifier running =
        StepVerifier.create(gate.run(first.asMono()))
            .expectNext("1")
            .expectComplete()
            .verifyLater();
    AtomicInteger started = new AtomicInteger();
    StepVerifier.create(gate.run(Mono.fromSupplier(started::incrementAndGet)))
        .thenCancel()
        .verify(WAIT);
    assertThat(gate.queued()).isZero();
    StepVerifier next =
        StepVerifier.create(gate.run(Mono.just("3")))
            .expectNext("3")
            .expectComplete()
            .verifyLater();

    first.tryEmitValue("1");
    running.verify(WAIT);
    next.verify(WAIT);
    assertThat(started).hasValue(0);
    assertThat(gate.running()).isZero();
  }

  @Test
  void workThatFailsOrIsCancelledGivesItsSlotBack() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 10, LONG);
    StepVerifier.create(gate.run(Mono.error(new IllegalStateException("boom"))))
        .expectError(IllegalStateException.class)
        .verify(WAIT);
    assertThat(gate.running()).isZero();
    StepVerifier.create(gate.run(Mono.never())).thenCancel().verify(WAIT);
    assertThat(gate.running()).isZero();
    Sinks.One<String> held = Sinks.one();
    StepVerifier holder =
        StepVerifier.create(gate.run(held.asMono())).expectNext("h").expectComplete().verifyLater();
    StepVerifier queuedThenCancelled =
        StepVerifier.create(gate.run(Mono.<String>never())).thenCancel().verifyLater();
    held.tryEmitValue("h");
    holder.verify(WAIT);
    queuedThenCancelled.verify(WAIT); // granted the slot, then cancelled while running
    assertThat(gate.running()).isZero();
    assertThat(gate.queued()).isZero();
  }

  /**
   * Many threads, work that ends on other threads, waiters that give up at random: at no moment
   * does more work run than there are slots, and once everything has ended no slot is held and
   * nobody is queued.
   */
  @Test
  void underContentionTheBoundHoldsAndNoSlotIsLost() throws InterruptedException {
    int slots = 3;
    ConcurrencyGate gate = new ConcurrencyGate(slots, 1_000_000, LONG);
    AtomicInteger active = new AtomicInteger();
    AtomicInteger mostActive = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    int threads = 4;
    int perThread = 5_000;
    CountDownLatch done = new CountDownLatch(threads * perThread);
    for (int t = 0; t < threads; t++) {
      Schedulers.boundedElastic()
          .schedule(
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < perThread; i++) {
                  // Counted out before the end reaches the gate (doOnTerminate, doOnCancel), so
                  // that a slot handed
                  // on by the gate never overlaps, in this count, the work that freed it.
                  AtomicBoolean counted = new AtomicBoolean();
                  Runnable countOut =
                      () -> {
                        if (counted.compareAndSet(true, false)) {
                          active.decrementAndGet();
                        }
                      };
                  Mono<Integer> work =
                      Mono.fromSupplier(
                              () -> {
                                counted.set(true);
                                mostActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                                return 1;
                              })
                          .delayElement(
                              Duration.ofNanos(random.nextInt(50_000)), Schedulers.parallel())
                          .doOnTerminate(countOut)
                          .doOnCancel(countOut);
                  Disposable subscription =
                      gate.run(work)
                          .doFinally(
                              signal -> {
                                ended.incrementAndGet();
                                done.countDown();
                              })
                          .subscribe(value -> {}, error -> {});
                  if (random.nextInt(10) == 0) {
                    subscription.dispose(); // a client gone: waiting, running or already finished
                  }
                }
              });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).as("every request ended").isTrue();
    assertThat(mostActive.get()).isLessThanOrEqualTo(slots).isPositive();
    // The gate frees a slot in its own doFinally, which Reactor runs after the end has reached the
    // subscriber (and counted down above): wait for the last ones to land. A lost slot never does.
    Polling.until(
        Duration.ofSeconds(5),
        "every slot free and no one waiting",
        () -> gate.running() + gate.queued(),
        busy -> busy == 0);
    assertThat(gate.running()).isZero();
    assertThat(gate.queued()).isZero();
    assertThat(ended).hasValue(threads * perThread);
    assertThat(gate.tryEnter()).isTrue();
    gate.exit();
  }

  private static String record(List<String> order, String name) {
    order.add(name);
    return name;
  }

  private static void assertOverloaded(Throwable error) {
    assertThat(error).isInstanceOf(LookupException.class);
    assertThat(((LookupException) error).reason()).isEqualTo(LookupException.Reason.OVERLOADED);
  }
}
