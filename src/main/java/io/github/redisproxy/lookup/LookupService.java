package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.BackendException;
import io.github.redisproxy.cache.CacheRead;
import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.tracing.LoadSpan;
import io.github.redisproxy.tracing.Tracing;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * Key to value, for every front end: through the concurrency gate, then the local cache, then (on a
 * miss) one backend {@code GET} shared by every concurrent request for the key. Its parts are built
 * and wired in {@code app} (the cache with its {@link BackendLoader}, the {@link CacheCoherence},
 * the gate); its meters are registered by {@link LookupMeters}.
 */
public final class LookupService {
  private static final Logger log = LoggerFactory.getLogger(LookupService.class);

  private final LocalCache<Key, CachedValue> cache;
  private final ConcurrencyGate gate;
  private final CacheCoherence coherence;
  private final LongSupplier clock;
  private final long maxValueBytes;
  private final Tracing tracing;
  private final LongAdder stale = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder coalesced = new LongAdder();

  /**
   * A lookup through {@code gate} into {@code cache}, which {@code coherence} keeps coherent with
   * Redis.
   *
   * @param clock the cache's clock, in nanoseconds
   * @param maxValueBytes CACHE_MAX_VALUE_BYTES: longer values are answered as {@link
   *     Lookup.Source#BYPASS} (the cache does not keep them)
   * @param tracing where a miss records its Redis load, as a child of the traced request that
   *     started it
   */
  public LookupService(
      LocalCache<Key, CachedValue> cache,
      ConcurrencyGate gate,
      CacheCoherence coherence,
      LongSupplier clock,
      long maxValueBytes,
      Tracing tracing) {
    this.cache = cache;
    this.gate = gate;
    this.coherence = coherence;
    this.clock = clock;
    this.maxValueBytes = maxValueBytes;
    this.tracing = tracing;
  }

  /**
   * Looks {@code key} up and answers with {@code answer}: the one door every front end uses.
   *
   * <p>A hit is answered in place, on the calling thread: if the cache holds the key loaded and a
   * concurrency slot is free now, the slot is taken and given back at once (so {@code
   * MAX_CONCURRENCY} still bounds every request), then {@code answer} is applied before this method
   * returns and its publisher is returned as it is, with no lookup pipeline around it: most
   * requests of a hot-key workload end there. Anything else (a miss, a load to join, a full gate)
   * returns a cold publisher: nothing happens until subscription, and cancelling it (a client that
   * went away) never cancels the load that other requests for the same key share.
   *
   * @param answer the front end's reply to a lookup
   * @param failure the front end's reply to a {@link LookupException} (which only a miss can meet)
   * @return the reply; an error only if {@code answer} or {@code failure} fails
   */
  public <R> Mono<R> lookup(
      Key key, Function<Lookup, Mono<R>> answer, Function<LookupException, Mono<R>> failure) {
    Lookup cached = cachedNow(key);
    if (cached != null) {
      return answerInPlace(answer, cached);
    }
    return gate.run(readLater(key)).flatMap(answer).onErrorResume(LookupException.class, failure);
  }

  /**
   * As {@link #lookup(Key, Function, Function)}, with a {@link LookupException} left as the error
   * of the returned publisher.
   */
  public <R> Mono<R> lookup(Key key, Function<Lookup, Mono<R>> answer) {
    Lookup cached = cachedNow(key);
    if (cached != null) {
      return answerInPlace(answer, cached);
    }
    return gate.run(readLater(key)).flatMap(answer);
  }

  /**
   * The lookup itself, for tests. Unlike the front ends' door it counts a hit when it is called,
   * not when it is subscribed.
   */
  Mono<Lookup> lookup(Key key) {
    return lookup(key, Mono::just);
  }

  /** An answer that throws on a hit fails its publisher, as it would on the pipeline path. */
  private static <R> Mono<R> answerInPlace(Function<Lookup, Mono<R>> answer, Lookup hit) {
    try {
      return answer.apply(hit);
    } catch (RuntimeException e) {
      return Mono.error(e);
    }
  }

  /** The value of {@code key} if it can be answered in place (see {@link #lookup}), else null. */
  private Lookup cachedNow(Key key) {
    if (!gate.tryEnter()) {
      return null;
    }
    try {
      CachedValue value = cache.getLoaded(key);
      if (value == null) {
        return null;
      }
      return hit(key, value);
    } finally {
      gate.exit();
    }
  }

  /**
   * The read, at subscription; with tracing on, it finds the request's span in the subscriber's
   * context.
   */
  private Mono<Lookup> readLater(Key key) {
    return tracing.enabled()
        ? Mono.deferContextual(view -> read(key, view))
        : Mono.defer(() -> read(key, null));
  }

  /** {@code traced}: the subscriber's context, when tracing is on. */
  private Mono<Lookup> read(Key key, ContextView traced) {
    CacheRead<CachedValue> read = cache.get(key);
    if (read.hit()) {
      return Mono.just(hit(key, read.value().getNow(null)));
    }
    boolean started = read.source() == CacheRead.Source.STARTED_LOAD;
    (started ? misses : coalesced).increment();
    LoadSpan load = traced == null ? null : trace(started, traced);
    if (log.isDebugEnabled()) {
      log.debug(
          started ? "miss key={} started a load" : "coalesced key={} joined the load in flight",
          key);
    }
    // Through a future that never fails: a load that fails after this caller went away (a closed
    // connection, an MGET cut short by another key's failure) would otherwise reach Reactor as a
    // dropped error, logged at ERROR with a stack trace, although every caller still waiting is
    // told of it.
    CompletableFuture<Outcome> settled =
        read.value()
            .handle(
                (value, error) -> {
                  if (load != null) {
                    // Here, not in the answer below: the span ends even if this caller went away,
                    // and before the request's own span ends.
                    load.ended(error);
                  }
                  return new Outcome(value, error);
                });
    return Mono.fromFuture(settled, true)
        .handle(
            (outcome, sink) -> {
              if (outcome.error() == null) {
                sink.next(loaded(outcome.value()));
                return;
              }
              LookupException failure = translate(outcome.error());
              CachedValue last = redisFailed(failure) ? cache.getStale(key) : null;
              if (last != null) {
                stale.increment();
                log.debug(
                    "stale key={} answered while Redis failed: {}", key, failure.getMessage());
                sink.next(new Lookup(last.bytes(), Lookup.Source.STALE, last.etag(), 0));
              } else {
                sink.error(failure);
              }
            });
  }

  /**
   * A load this request started becomes a child span of the request's (null is returned when there
   * is none); a load joined marks the request's span.
   */
  private LoadSpan trace(boolean started, ContextView traced) {
    if (!started) {
      tracing.joinedLoad(traced);
      return null;
    }
    return tracing.startLoad(traced); // its GET went out a moment ago, inside cache.get
  }

  /** A value answered from the cache, counted once whichever path found it. */
  private Lookup hit(Key key, CachedValue value) {
    hits.increment();
    log.trace("hit key={}", key);
    return new Lookup(
        value.bytes(), Lookup.Source.HIT, value.etag(), value.secondsLeft(clock.getAsLong()));
  }

  /** A value from Redis: cached, unless it is too long to be. */
  private Lookup loaded(CachedValue value) {
    if (value == null) {
      return Lookup.absent();
    }
    if (value.bytes().length > maxValueBytes) {
      return new Lookup(value.bytes(), Lookup.Source.BYPASS, value.etag(), 0);
    }
    return new Lookup(
        value.bytes(), Lookup.Source.MISS, value.etag(), value.secondsLeft(clock.getAsLong()));
  }

  /** Redis could not be asked (unreachable, or no answer in time): where a stale value may do. */
  private static boolean redisFailed(LookupException failure) {
    return failure.reason() == LookupException.Reason.BACKEND_UNAVAILABLE
        || failure.reason() == LookupException.Reason.BACKEND_TIMEOUT;
  }

  /** How a load ended: its value ({@code null} when Redis has no such key), or its failure. */
  private record Outcome(CachedValue value, Throwable error) {}

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
    Map<String, Long> evictions = new LinkedHashMap<>();
    for (EvictionCause cause : EvictionCause.values()) {
      evictions.put(cause.label(), cache.evictionCount(cause));
    }
    return new LookupStats(
        hits(),
        misses(),
        coalesced(),
        cache.estimatedSize(),
        evictions,
        coherence.mode(),
        cache.bytes(),
        stale.sum(),
        cache.bypassed(),
        cache.refreshes());
  }

  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  /** Answers given from a stale value while Redis failed. */
  public long staleAnswers() {
    return stale.sum();
  }

  long coalesced() {
    return coalesced.sum();
  }

  LocalCache<Key, CachedValue> cache() {
    return cache;
  }

  ConcurrencyGate gate() {
    return gate;
  }

  CacheCoherence coherence() {
    return coherence;
  }

  /** Lookups running now. */
  public int running() {
    return gate.running();
  }

  /** Lookups waiting for a slot now. */
  public int queued() {
    return gate.queued();
  }

  private static LookupException translate(Throwable error) {
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
