package io.github.redisproxy.lookup;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.BackendException;
import io.github.redisproxy.cache.CacheRead;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.ServerConfig;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Key to value, for every front end: through the concurrency gate, then the local cache, then (on a miss) one
 * backend {@code GET} shared by every concurrent request for the key.
 */
public final class LookupService {
  private static final Logger log = LoggerFactory.getLogger(LookupService.class);

  private final LocalCache<Key, byte[]> cache;
  private final ConcurrencyGate gate;
  private final LongAdder hits = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder joins = new LongAdder();

  LookupService(LocalCache<Key, byte[]> cache, ConcurrencyGate gate) {
    this.cache = cache;
    this.gate = gate;
  }

  /** A lookup service whose cache loads from {@code backend}. */
  public static LookupService create(CacheConfig cacheConfig, ServerConfig serverConfig, Backend backend) {
    LocalCache<Key, byte[]> cache =
        LocalCaches.create(cacheConfig, Ticker.systemTicker(), key -> backend.get(key.bytes()).toFuture());
    ConcurrencyGate gate =
        new ConcurrencyGate(serverConfig.maxConcurrency(), serverConfig.maxQueued(), serverConfig.queueTimeout());
    return new LookupService(cache, gate);
  }

  /**
   * Looks {@code key} up. Cold: nothing happens until subscription. Cancelling the returned {@code Mono} (a client
   * that went away) never cancels the load that other requests for the same key share.
   *
   * @return the lookup, or a {@link LookupException}
   */
  public Mono<Lookup> lookup(Key key) {
    return gate.run(Mono.defer(() -> read(key)));
  }

  private Mono<Lookup> read(Key key) {
    CacheRead<byte[]> read = cache.get(key);
    if (read.hit()) {
      hits.increment();
      log.trace("hit key={}", key);
      return Mono.just(new Lookup(read.value().getNow(null), true));
    }
    (read.source() == CacheRead.Source.STARTED_LOAD ? loads : joins).increment();
    if (log.isDebugEnabled()) {
      log.debug(
          "miss key={} {}",
          key,
          read.source() == CacheRead.Source.STARTED_LOAD ? "started a load" : "joined the load in flight");
    }
    // Through a future that never fails: a load that fails after this caller went away (a closed connection, an MGET
    // cut short by another key's failure) would otherwise reach Reactor as a dropped error, logged at ERROR with a
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

  /** How a load ended: its value ({@code null} when Redis has no such key), or its failure. */
  private record Outcome(byte[] value, Throwable error) {}

  /** Removes one key from the local cache. */
  public void invalidate(Key key) {
    cache.invalidate(key);
  }

  /** Counters since start, and the cache's current size. */
  public LookupStats stats() {
    return new LookupStats(
        hits.sum(), loads.sum(), joins.sum(), cache.estimatedSize(), cache.evictionCount());
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
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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
    return new LookupException(LookupException.Reason.BACKEND_ERROR, String.valueOf(cause.getMessage()), cause);
  }
}
