package io.github.redisproxy.app;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.ServerConfig;
import io.github.redisproxy.lookup.BackendLoader;
import io.github.redisproxy.lookup.CacheCoherence;
import io.github.redisproxy.lookup.CachedValue;
import io.github.redisproxy.lookup.ConcurrencyGate;
import io.github.redisproxy.lookup.Key;
import io.github.redisproxy.lookup.LookupMeters;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.lookup.TrackingSession;
import io.github.redisproxy.tracing.Tracing;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Builds the lookup service from its parts, the one place they are wired. The arrows run one way:
 * the loader reads the tracking session, the cache calls the loader, the coherence (which the
 * backend hands invalidations to) changes the cache and the session.
 */
public final class LookupWiring {
  private LookupWiring() {}

  /**
   * A lookup service over {@code backend}.
   *
   * @param ticker the clock the cache measures expiry with; tests pass a fake one
   * @param registry where the lookup's meters go
   */
  public static LookupService wire(
      CacheConfig cacheConfig,
      ServerConfig serverConfig,
      Backend backend,
      Ticker ticker,
      MeterRegistry registry) {
    return wire(cacheConfig, serverConfig, backend, ticker, registry, Tracing.off());
  }

  /** As above, with misses' Redis loads traced through {@code tracing}. */
  public static LookupService wire(
      CacheConfig cacheConfig,
      ServerConfig serverConfig,
      Backend backend,
      Ticker ticker,
      MeterRegistry registry,
      Tracing tracing) {
    boolean tracking = backend.tracksInvalidations();
    TrackingSession session = tracking ? TrackingSession.tracking() : TrackingSession.none();
    BackendLoader loader =
        new BackendLoader(
            backend,
            session,
            LookupMeters.loadTimers(registry),
            ticker::read,
            cacheConfig.expiry());
    LocalCache<Key, CachedValue> cache =
        LocalCaches.create(cacheConfig, ticker, loader, CachedValue.TRAITS);
    CacheCoherence coherence = new CacheCoherence(cache, session);
    if (tracking) {
      backend.listenForInvalidations(coherence);
    }
    ConcurrencyGate gate =
        new ConcurrencyGate(
            serverConfig.maxConcurrency(), serverConfig.maxQueued(), serverConfig.queueTimeout());
    LookupService lookups =
        new LookupService(
            cache, gate, coherence, ticker::read, cacheConfig.maxValueBytes(), tracing);
    LookupMeters.register(registry, lookups, cacheConfig.capacity(), cacheConfig.maxBytes());
    return lookups;
  }
}
