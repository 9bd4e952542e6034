package io.github.redisproxy.lookup;

import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.metrics.LatencyBuckets;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The lookup's meters: requests by result, load latency, evictions by cause, size, invalidations,
 * and the concurrency gate's state and refusals. Each reads a counter the lookup keeps anyway, at
 * scrape time, so the request path pays nothing for them.
 */
public final class LookupMeters {
  private LookupMeters() {}

  /** The two timers of backend loads, by how they ended. */
  public record LoadTimers(Timer success, Timer failure) {}

  /** Registers the timers {@link BackendLoader} records each load in. */
  public static LoadTimers loadTimers(MeterRegistry registry) {
    return new LoadTimers(loadTimer(registry, "success"), loadTimer(registry, "failure"));
  }

  private static Timer loadTimer(MeterRegistry registry, String result) {
    return Timer.builder(MeterNames.CACHE_LOADS)
        .description("Backend GETs started by a miss, from start to answer")
        .tag("result", result)
        .serviceLevelObjectives(LatencyBuckets.boundaries())
        .register(registry);
  }

  /** Registers every other meter of {@code lookups}, whose cache holds at most {@code capacity}. */
  public static void register(
      MeterRegistry registry, LookupService lookups, int capacity, long maxBytes) {
    String requests =
        "Lookups by result: hit, miss (started a backend GET) or coalesced (joined one in flight)";
    Meters.counter(
        registry, MeterNames.CACHE_REQUESTS, requests, lookups, l -> l.hits(), "result", "hit");
    Meters.counter(
        registry, MeterNames.CACHE_REQUESTS, requests, lookups, l -> l.misses(), "result", "miss");
    Meters.counter(
        registry,
        MeterNames.CACHE_REQUESTS,
        requests,
        lookups,
        l -> l.coalesced(),
        "result",
        "coalesced");
    for (EvictionCause cause : EvictionCause.values()) {
      Meters.counter(
          registry,
          MeterNames.CACHE_EVICTIONS,
          "Entries that left the cache, by cause (expiries are counted when cleaned up)",
          lookups.cache(),
          c -> c.evictionCount(cause),
          "cause",
          cause.label());
    }
    CacheCoherence coherence = lookups.coherence();
    Meters.gauge(
        registry,
        MeterNames.INVALIDATION_TRACKING,
        "1 while every cached key will be invalidated when it changes in Redis (always 1 under none)",
        coherence,
        CacheCoherence::trustedNow);
    String invalidations =
        "Invalidations received from Redis: keys reported changed, whole-database flushes, lost"
            + " tracking";
    Meters.counter(
        registry,
        MeterNames.INVALIDATIONS,
        invalidations,
        coherence,
        CacheCoherence::invalidatedKeys,
        "kind",
        "key");
    Meters.counter(
        registry,
        MeterNames.INVALIDATIONS,
        invalidations,
        coherence,
        CacheCoherence::flushes,
        "kind",
        "flush");
    Meters.counter(
        registry,
        MeterNames.INVALIDATIONS,
        invalidations,
        coherence,
        CacheCoherence::lostSessions,
        "kind",
        "tracking_lost");
    Meters.gauge(
        registry,
        MeterNames.CACHE_SIZE,
        "Entries in the cache, including loads in flight",
        lookups.cache(),
        c -> c.estimatedSize());
    Meters.gauge(
        registry,
        MeterNames.CACHE_CAPACITY,
        "CACHE_CAPACITY: the most keys the cache holds",
        lookups,
        l -> capacity);
    Meters.gauge(
        registry,
        MeterNames.CACHE_BYTES,
        "Bytes of the cached keys and values, stale ones included",
        lookups.cache(),
        c -> c.bytes());
    Meters.gauge(
        registry,
        MeterNames.CACHE_MAX_BYTES,
        "CACHE_MAX_BYTES: the most the cached keys and values may add up to",
        lookups,
        l -> maxBytes);
    Meters.counter(
        registry,
        MeterNames.CACHE_STALE,
        "Answers given from a stale value while Redis failed (STALE_IF_ERROR)",
        lookups,
        LookupService::staleAnswers);
    Meters.counter(
        registry,
        MeterNames.CACHE_BYPASSED,
        "Loads answered but not cached: the value was longer than CACHE_MAX_VALUE_BYTES",
        lookups.cache(),
        c -> c.bypassed());
    Meters.counter(
        registry,
        MeterNames.CACHE_REFRESHES,
        "Background reloads started by CACHE_REFRESH_AHEAD",
        lookups.cache(),
        c -> c.refreshes());
    ConcurrencyGate gate = lookups.gate();
    Meters.gauge(
        registry,
        MeterNames.LOOKUPS_RUNNING,
        "Lookups holding one of the MAX_CONCURRENCY slots",
        gate,
        ConcurrencyGate::running);
    Meters.gauge(
        registry,
        MeterNames.LOOKUPS_QUEUED,
        "Lookups waiting for a slot",
        gate,
        ConcurrencyGate::queued);
    String rejected = "Lookups refused as overloaded (HTTP 503, RESP -ERR proxy overloaded)";
    Meters.counter(
        registry,
        MeterNames.LOOKUPS_REJECTED,
        rejected,
        gate,
        ConcurrencyGate::refusedQueueFull,
        "reason",
        "queue_full");
    Meters.counter(
        registry,
        MeterNames.LOOKUPS_REJECTED,
        rejected,
        gate,
        ConcurrencyGate::refusedQueueTimeout,
        "reason",
        "queue_timeout");
  }
}
