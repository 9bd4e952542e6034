package io.github.redisproxy.metrics;

import java.time.Duration;

/**
 * The histogram buckets of every latency the proxy records: fixed, round boundaries from 100 µs to
 * 10 s, so that a dashboard can read "share of hits under 1 ms" straight from one bucket, and a
 * series has 17 buckets rather than the ~70 of Micrometer's generated percentile histogram.
 */
public final class LatencyBuckets {
  static final Duration[] BOUNDARIES = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private LatencyBuckets() {}

  /** The bucket boundaries, for {@code Timer.Builder.serviceLevelObjectives}. */
  public static Duration[] boundaries() {
    return BOUNDARIES.clone();
  }
}
