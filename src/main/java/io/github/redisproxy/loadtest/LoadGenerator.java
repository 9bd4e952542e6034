package io.github.redisproxy.loadtest;

import java.io.PrintStream;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Sends the load one {@link LoadTestOptions} describes to a {@link Target} (HTTP or RESP) and
 * measures it.
 *
 * <p>Closed loop: {@code connections} workers, each a chain of requests where the next starts when
 * the previous one ended. Open loop: a pacer on its own thread sends request {@code i} at {@code
 * start + i / rate} whatever the answers, and latency counts from that intended time, so a stalled
 * server is charged for the requests it delayed (no coordinated omission). A request whose time has
 * come while {@code connections} requests are already in flight is not queued but counted as an
 * error of kind {@code backlog}.
 *
 * <p>Each request's outcome is tallied in the phase its (intended) send time falls in: warm-up,
 * discarded, or measured. Nothing here blocks an event loop: requests are subscribed from the clock
 * thread (the pacer) or chained on the event loop that completed the previous one; only {@link
 * #run()}, on the caller's thread, waits for the end.
 *
 * <p>The clock thread (pacer and progress line) is a plain thread of its own, not one of Reactor's
 * non-blocking ones: the progress line reads the latency {@code Recorder}, and HdrHistogram's phase
 * flip waits for writers still recording with a short {@code Thread.sleep}. On a Reactor thread
 * under BlockHound that sleep failed the periodic task, and the progress line stopped after its
 * first second.
 */
final class LoadGenerator {
  private final LoadTestOptions options;
  private final PrintStream progress;
  private final KeySampler sampler;
  private final Tally warmup = new Tally();
  private final Tally measured = new Tally();
  private long start;
  private long measureStart;
  private long end;
  private long lastRequests;

  /**
   * @param progress where the progress line goes each second (stderr)
   */
  LoadGenerator(LoadTestOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
    this.sampler =
        switch (options.distribution()) {
          case UNIFORM -> KeySampler.uniform(options.keys());
          case ZIPF -> KeySampler.zipf(options.keys(), options.zipfS());
        };
  }

  /**
   * Runs the warm-up and the measured duration, waits for the requests still in flight, and
   * reports.
   */
  LoadReport run() {
    ScheduledExecutorService clockThread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "loadtest-clock");
              thread.setDaemon(true);
              return thread;
            });
    Scheduler clock = Schedulers.fromExecutorService(clockThread, "loadtest-clock");
    try (Target target = Target.of(options)) {
      target.prepare();
      start = System.nanoTime();
      measureStart = start + options.warmup().toNanos();
      end = measureStart + options.duration().toNanos();
      Disposable ticker = clock.schedulePeriodically(this::printProgress, 1, 1, TimeUnit.SECONDS);
      Duration limit =
          options.warmup().plus(options.duration()).plus(options.timeout()).plusSeconds(10);
      try {
        if (options.closedLoop()) {
          runClosedLoop(target, limit);
        } else {
          runOpenLoop(target, clock, limit);
        }
      } finally {
        ticker.dispose();
      }
      return new LoadReport(
          description(target),
          measured.requests(),
          options.duration(),
          LoadReport.Latency.of(measured.latency()),
          measured.errors(),
          measured.hits(),
          measured.misses(),
          target.answersTellHits());
    } finally {
      clock.dispose();
      clockThread.shutdownNow();
    }
  }

  private void runClosedLoop(Target target, Duration limit) {
    SplittableRandom seeds = new SplittableRandom(options.seed());
    List<RandomGenerator> randoms = new ArrayList<>();
    for (int worker = 0; worker < options.connections(); worker++) {
      randoms.add(seeds.split()); // in order, so that a seed gives the same key sequences
    }
    Flux.fromIterable(randoms)
        .flatMap(
            random -> worker(target, random).subscribeOn(target.workerStart()),
            options.connections())
        .then()
        .block(limit);
  }

  /** One connection's chain: a request, and when it has ended another, until the end of the run. */
  private Mono<Void> worker(Target target, RandomGenerator random) {
    return Mono.defer(
            () -> {
              long sent = System.nanoTime();
              return sent - end < 0
                  ? exchange(target, sampler.next(random), sent)
                  : Mono.<Void>empty();
            })
        .repeat(() -> System.nanoTime() - end < 0)
        .then();
  }

  private void runOpenLoop(Target target, Scheduler clock, Duration limit) {
    Pacer pacer = new Pacer(target, new SplittableRandom(options.seed()).split());
    Disposable pacing = clock.schedulePeriodically(pacer, 0, 1, TimeUnit.MILLISECONDS);
    try {
      pacer.drained.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the run did not end within " + limit, e);
    } finally {
      pacing.dispose();
    }
  }

  /**
   * Sends every request whose intended time has come; runs each millisecond on the clock thread.
   */
  private final class Pacer implements Runnable {
    private final Target target;
    private final RandomGenerator random;
    private final double periodNanos = 1e9 / options.rate();
    private final long total = (long) Math.ceil((end - start) / periodNanos);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private long next; // only the clock thread touches it
    private volatile boolean allSent;

    Pacer(Target target, RandomGenerator random) {
      this.target = target;
      this.random = random;
    }

    @Override
    public void run() {
      if (allSent) {
        return;
      }
      long now = System.nanoTime();
      while (next < total) {
        long intended = start + (long) (next * periodNanos);
        if (intended - now > 0) {
          break;
        }
        next++;
        int key = sampler.next(random);
        // Only this thread increments, so the check and the increment cannot race with another
        // send.
        if (inFlight.get() >= options.connections()) {
          tally(intended).failed("backlog");
          continue;
        }
        inFlight.incrementAndGet();
        exchange(target, key, intended).doFinally(signal -> ended()).subscribe();
      }
      if (next == total) {
        allSent = true;
        if (inFlight.get() == 0) {
          drained.complete(null);
        }
      }
    }

    private void ended() {
      // Either this sees allSent, or the pacer sets it afterwards and then sees the count at 0.
      if (inFlight.decrementAndGet() == 0 && allSent) {
        drained.complete(null);
      }
    }
  }

  /**
   * One request, tallied in the phase of its intended send time; completes empty, whatever the
   * outcome.
   */
  private Mono<Void> exchange(Target target, int key, long intended) {
    Tally tally = tally(intended);
    return target
        .get(key)
        .timeout(options.timeout())
        .doOnNext(answer -> tally.answered(System.nanoTime() - intended, answer))
        .onErrorResume(
            failure -> {
              tally.failed(kind(failure));
              return Mono.empty();
            })
        .then();
  }

  private Tally tally(long intended) {
    return intended - measureStart < 0 ? warmup : measured;
  }

  /** The error kind of a request that got no answer. */
  static String kind(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return "timeout";
      }
      if (cause instanceof ConnectException) {
        return "connect";
      }
    }
    return "io";
  }

  private void printProgress() {
    long now = System.nanoTime();
    // The phase most of the past second belonged to: a tick right at the end of the warm-up reports
    // the warm-up.
    boolean warmingUp = now - TimeUnit.MILLISECONDS.toNanos(500) - measureStart < 0;
    Tally phase = warmingUp ? warmup : measured;
    long requests = warmup.requests() + measured.requests();
    long lastSecond = requests - lastRequests;
    lastRequests = requests;
    Histogram latency = phase.latency();
    progress.printf(
        Locale.ROOT,
        "[%4ds] %-9s %8d req/s  errors %d  p99 %s%n",
        TimeUnit.NANOSECONDS.toSeconds(now - start),
        warmingUp ? "warm-up" : "measuring",
        lastSecond,
        phase.errorCount(),
        latency.getTotalCount() == 0
            ? "-"
            : String.format(Locale.ROOT, "%.3f ms", latency.getValueAtPercentile(99) / 1e6));
  }

  private String description(Target target) {
    String load =
        options.closedLoop()
            ? "closed loop, " + options.connections() + " connections"
            : String.format(
                Locale.ROOT,
                "open loop, %s req/s, at most %d connections",
                number(options.rate()),
                options.connections());
    String keys =
        options.keys()
            + " keys "
            + (options.distribution() == LoadTestOptions.Distribution.ZIPF
                ? "zipf(s=" + number(options.zipfS()) + ")"
                : "uniform");
    return load + ", " + keys + ", " + target.description();
  }

  private static String number(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
