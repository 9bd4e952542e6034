package io.github.redisproxy.loadtest;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The outcomes of the requests of one phase (warm-up or measured). Recording is wait-free and may
 * happen on any thread at once (HdrHistogram's {@link Recorder}, {@link LongAdder}s); {@link
 * #latency()} is for the one thread that reports progress, and for the end.
 */
final class Tally {
  /** Latencies above this are recorded as this; a request times out long before. */
  private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
  private final Histogram total = new Histogram(HIGHEST_NANOS, 3); // guarded by this
  private Histogram interval; // guarded by this; recycled by the recorder
  private final LongAdder requests = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

  /** An answer, with its latency from the intended send time. */
  void answered(long latencyNanos, Target.Answer answer) {
    requests.increment();
    recorder.recordValue(Math.max(0, Math.min(latencyNanos, HIGHEST_NANOS)));
    if (answer.error() != null) {
      errors.computeIfAbsent(answer.error(), kind -> new LongAdder()).increment();
    } else if (answer.cache() == Target.Cache.HIT) {
      hits.increment();
    } else if (answer.cache() == Target.Cache.MISS) {
      misses.increment();
    }
  }

  /** A request that got no answer (timeout, connect, io) or was never sent (backlog). */
  void failed(String kind) {
    requests.increment();
    errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  long requests() {
    return requests.sum();
  }

  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  SortedMap<String, Long> errors() {
    SortedMap<String, Long> counts = new TreeMap<>();
    errors.forEach((kind, count) -> counts.put(kind, count.sum()));
    return counts;
  }

  /** Every latency recorded so far, in nanoseconds: a copy, safe to read on the calling thread. */
  synchronized Histogram latency() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    return total.copy();
  }
}
