package io.github.redisproxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * Registers the proxy's meters that read a value kept elsewhere (counters the owner increments with
 * a {@code LongAdder}, gauges of a current state), so that the hot path pays nothing for them.
 */
public final class Meters {
  private Meters() {}

  /** A counter read from {@code owner} at each scrape; {@code tags} are key, value pairs. */
  public static <T> void counter(
      MeterRegistry registry,
      String name,
      String description,
      T owner,
      ToDoubleFunction<T> count,
      String... tags) {
    FunctionCounter.builder(name, owner, count)
        .description(description)
        .tags(tags)
        .register(registry);
  }

  /** A gauge read from {@code owner} at each scrape; {@code tags} are key, value pairs. */
  public static <T> void gauge(
      MeterRegistry registry,
      String name,
      String description,
      T owner,
      ToDoubleFunction<T> value,
      String... tags) {
    Gauge.builder(name, owner, value).description(description).tags(tags).register(registry);
  }

  /** The two gauges every front end has: requests in flight and open connections. */
  public static void frontEnd(
      MeterRegistry registry, String frontEnd, AtomicInteger inFlight, AtomicInteger connections) {
    gauge(
        registry,
        MeterNames.REQUESTS_IN_FLIGHT,
        "Requests received and not yet answered",
        inFlight,
        AtomicInteger::get,
        "frontend",
        frontEnd);
    gauge(
        registry,
        MeterNames.CONNECTIONS,
        "Open client connections",
        connections,
        AtomicInteger::get,
        "frontend",
        frontEnd);
  }
}
