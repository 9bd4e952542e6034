package io.github.redisproxy.lookup;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.BackendException;
import io.github.redisproxy.cache.CacheRead;
import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.cache.Loader;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.ServerConfig;
import io.github.redisproxy.metrics.LatencyBuckets;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Key to value, for every front end: through the concurrency gate, then the local cache, then (on a
 * miss) one backend {@code GET} shared by every concurrent request for the key.
 */
public final class LookupService {
  private static final Logger log = LoggerFactory.getLogger(LookupService.class);

  private final LocalCache<Key, byte[]> cache;
  private final ConcurrencyGate gate;
  private final CacheCoherence coherence;
  private final LongAdder hits = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder joins = new LongAdder();

  LookupService(LocalCache<Key, byte[]> cache, ConcurrencyGate gate, CacheCoherence coherence) {
    this.cache = cache;
    this.gate = gate;
    this.coherence = coherence;
  }

  /**
   * A lookup service whose cache loads from {@code backend}, with its meters in {@code registry}:
   * requests by result, load latency, evictions by cause, size, and the concurrency gate's state
   * and refusals.
   */
  public static LookupService create(
      CacheConfig cacheConfig, ServerConfig serverConfig, Backend backend, MeterRegistry registry) {
    BackendLoads loads =
        new BackendLoads(backend, loadTimer(registry, "success"), loadTimer(registry, "failure"));
    LocalCache<Key, byte[]> cache = LocalCaches.create(cacheConfig, Ticker.systemTicker(), loads);
    CacheCoherence coherence =
        backend.tracksInvalidations() ? CacheCoherence.tracking(cache) : CacheCoherence.none(cache);
    loads.coherence = coherence;
    if (backend.tracksInvalidations()) {
      backend.listenForInvalidations(coherence);
    }
    ConcurrencyGate gate =
        new ConcurrencyGate(
            serverConfig.maxConcurrency(), serverConfig.maxQueued(), serverConfig.queueTimeout());
    LookupService service = new LookupService(cache, gate, coherence);
    service.bindMeters(registry, cacheConfig.capacity());
    return service;
  }

  /**
   * The cache's loader: one backend {@code GET}, timed, and kept only if {@link CacheCoherence}
   * allows it. Removing the entry before the load completes is how a load is not kept: the cache
   * never keeps a load whose entry has gone.
   *
   * <p>The result is completed on the thread that delivers Redis' reply: usually Lettuce's event
   * loop, so the cache records the value before that thread reads the next message from Redis,
   * which may be an invalidation of this very key; now and then the thread that sent the {@code
   * GET} (see {@link CacheCoherence#completesInOrder}).
   */
  private static final class BackendLoads implements Loader<Key, byte[]> {
    private final Backend backend;
    private final Timer successes;
    private final Timer failures;
    private CacheCoherence
        coherence; // set once, before the service that owns the cache is returned

    BackendLoads(Backend backend, Timer successes, Timer failures) {
      this.backend = backend;
      this.successes = successes;
      this.failures = failures;
    }

    @Override
    public void load(Key key, CompletableFuture<byte[]> result) {
      CacheCoherence.Ticket ticket = coherence.ticket();
      long start = System.nanoTime();
      backend
          .get(key.bytes())
          .subscribe(
              value -> finish(key, ticket, start, result, value),
              error -> {
                failures.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                result.completeExceptionally(error);
              },
              () ->
                  finish(
                      key, ticket, start, result,
                      null)); // after a value, a no-op: result is already done
    }

    @Override
    public boolean completesInOrder() {
      return coherence.completesInOrder();
    }

    private void finish(
        Key key,
        CacheCoherence.Ticket ticket,
        long start,
        CompletableFuture<byte[]> result,
        byte[] value) {
      if (result.isDone()) {
        return;
      }
      successes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (value != null && !coherence.mayKeep(ticket)) {
        coherence.discard(key);
      }
      result.complete(value);
    }
  }

  private static Timer loadTimer(MeterRegistry registry, String result) {
    return Timer.builder(MeterNames.CACHE_LOADS)
        .description("Backend GETs started by a miss, from start to answer")
        .tag("result", result)
        .serviceLevelObjectives(LatencyBuckets.boundaries())
        .register(registry);
  }

  private void bindMeters(MeterRegistry registry, int capacity) {
    String requests =
        "Lookups by result: hit, miss (started a backend GET) or coalesced (joined one in flight)";
    Meters.counter(
        registry, MeterNames.CACHE_REQUESTS, requests, hits, LongAdder::sum, "result", "hit");
    Meters.counter(
        registry, MeterNames.CACHE_REQUESTS, requests, loads, LongAdder::sum, "result", "miss");
    Meters.counter(
        registry,
        MeterNames.CACHE_REQUESTS,
        requests,
        joins,
        LongAdder::sum,
        "result",
        "coalesced");
    for (EvictionCause cause : EvictionCause.values()) {
      Meters.counter(
          registry,
          MeterNames.CACHE_EVICTIONS,
          "Entries that left the cache, by cause (expiries are counted when cleaned up)",
          cache,
          c -> c.evictionCount(cause),
          "cause",
          cause.name().toLowerCase(Locale.ROOT));
    }
    Meters.gauge(
        registry,
        MeterNames.INVALIDATION_TRACKING,
        "1 while every cached key will be invalidated when it changes in Redis (always 1 under none)",
        coherence,
        CacheCoherence::trustedNow);
    String invalidations =
        "Invalidations received from Redis: keys reported changed, whole-database flushes, lost tracking";
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
        cache,
        LocalCache::estimatedSize);
    Meters.gauge(
        registry,
        MeterNames.CACHE_CAPACITY,
        "CACHE_CAPACITY: the most keys the cache holds",
        this,
        service -> capacity);
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

  /**
   * The hit path: the value of {@code key} if the cache holds it loaded and a concurrency slot is
   * free now, else {@code null}, and then the caller uses {@link #lookup}. The slot is taken and
   * given back in place, so {@code MAX_CONCURRENCY} still bounds every request, and no {@code Mono}
   * is built: most requests of a hot-key workload end here.
   */
  public Lookup cachedNow(Key key) {
    if (!gate.tryEnter()) {
      return null;
    }
    try {
      byte[] value = cache.getLoaded(key);
      if (value == null) {
        return null;
      }
      return hit(key, value);
    } finally {
      gate.exit();
    }
  }

  /**
   * Looks {@code key} up. Cold: nothing happens until subscription. Cancelling the returned {@code
   * Mono} (a client that went away) never cancels the load that other requests for the same key
   * share.
   *
   * @return the lookup, or a {@link LookupException}
   */
  public Mono<Lookup> lookup(Key key) {
    return gate.run(Mono.defer(() -> read(key)));
  }

  private Mono<Lookup> read(Key key) {
    CacheRead<byte[]> read = cache.get(key);
    if (read.hit()) {
      return Mono.just(hit(key, read.value().getNow(null)));
    }
    (read.source() == CacheRead.Source.STARTED_LOAD ? loads : joins).increment();
    if (log.isDebugEnabled()) {
      log.debug(
          "miss key={} {}",
          key,
          read.source() == CacheRead.Source.STARTED_LOAD
              ? "started a load"
              : "joined the load in flight");
    }
    // Through a future that never fails: a load that fails after this caller went away (a closed
    // connection, an MGET
    // cut short by another key's failure) would otherwise reach Reactor as a dropped error, logged
    // at ERROR with a
    // stack trace, although every caller still waiting is told of it.
    return Mono.fromFuture(read.value().handle(Outcome::new), true)
        .handle(
            (outcome, sink) -> {
              if (outcome.error() == null) {
                sink.next(new Lookup(outcome.value(), false));
              } else {
                sink.error(translate(outcome.error()));
              }
            });
  }

  /** A value answered from the cache, counted once whichever path found it. */
  private Lookup hit(Key key, byte[] value) {
    hits.increment();
    log.trace("hit key={}", key);
    return new Lookup(value, true);
  }

  /** How a load ended: its value ({@code null} when Redis has no such key), or its failure. */
  private record Outcome(byte[] value, Throwable error) {}

  /**
   * Removes one key from the local cache (an operator's purge); a load in flight for it answers its
   * callers but is not kept.
   *
   * @return whether the key was cached or loading
   */
  public boolean invalidate(Key key) {
    return cache.invalidate(key, EvictionCause.PURGED);
  }

  /**
   * Removes every key from the local cache.
   *
   * @return how many keys were removed
   */
  public long invalidateAll() {
    return cache.invalidateAll(EvictionCause.PURGED);
  }

  /** Counters since start, and the cache's current size. */
  public LookupStats stats() {
    return new LookupStats(
        hits.sum(),
        loads.sum(),
        joins.sum(),
        cache.estimatedSize(),
        cache.evictionCount(EvictionCause.SIZE),
        cache.evictionCount(EvictionCause.EXPIRED),
        cache.evictionCount(EvictionCause.PURGED),
        cache.evictionCount(EvictionCause.INVALIDATED),
        coherence.mode());
  }

  /** Lookups running now. */
  public int running() {
    return gate.running();
  }

  /** Lookups waiting for a slot now. */
  public int queued() {
    return gate.queued();
  }

  private static Throwable translate(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof BackendException backend) {
      LookupException.Reason reason =
          switch (backend.kind()) {
            case UNAVAILABLE -> LookupException.Reason.BACKEND_UNAVAILABLE;
            case TIMEOUT -> LookupException.Reason.BACKEND_TIMEOUT;
            case WRONG_TYPE -> LookupException.Reason.WRONG_TYPE;
            case ERROR -> LookupException.Reason.BACKEND_ERROR;
          };
      return new LookupException(reason, backend.getMessage(), backend);
    }
    return new LookupException(
        LookupException.Reason.BACKEND_ERROR, String.valueOf(cause.getMessage()), cause);
  }
}
