package io.github.redisproxy.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Records each answered request of one front end in the {@link MeterNames#REQUESTS} timer. The
 * timers are looked up by (command, status) in a map, not built per request: the tag values are few
 * and known (HTTP methods and status codes; RESP command names from a fixed table, {@code ok} and
 * {@code error}).
 */
public final class RequestRecorder {
  private final MeterRegistry registry;
  private final String frontEnd;

  /**
   * By command, then status: two lookups of strings whose hashes are cached, and no allocation per
   * request.
   */
  private final ConcurrentMap<String, ConcurrentMap<String, Timer>> timers =
      new ConcurrentHashMap<>();

  public RequestRecorder(MeterRegistry registry, String frontEnd) {
    this.registry = registry;
    this.frontEnd = frontEnd;
  }

  /**
   * Records a request that started at {@code startNanos} ({@link System#nanoTime()}) and has just
   * been answered.
   */
  public void record(String command, String status, long startNanos) {
    long elapsed = System.nanoTime() - startNanos;
    timers
        .computeIfAbsent(command, key -> new ConcurrentHashMap<>())
        .computeIfAbsent(status, key -> timer(command, status))
        .record(elapsed, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String command, String status) {
    return Timer.builder(MeterNames.REQUESTS)
        .description("Requests answered, by front end, command and status")
        .tags("frontend", frontEnd, "command", command, "status", status)
        .serviceLevelObjectives(LatencyBuckets.boundaries())
        .register(registry);
  }
}
