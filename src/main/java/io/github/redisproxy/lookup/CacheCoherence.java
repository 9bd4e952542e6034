package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.InvalidationListener;
import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.cache.LocalCache;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local cache coherent with Redis under CACHE_INVALIDATION=tracking: a changed key is
 * removed as soon as Redis reports it, and nothing is cached that Redis would not report (the
 * {@link TrackingSession} the loader consults says what Redis would report).
 *
 * <p>The race a tracking cache must not lose: a load reads the old value, the key changes, and the
 * old value is cached after the invalidation was handled, to stay until it expires. Replies and
 * invalidations arrive in order on the one Redis connection, and Lettuce's event loop reads them in
 * that order: it hands each invalidation to this class, and usually each reply to the load waiting
 * for it, where the cache records the value at once (see {@link
 * io.github.redisproxy.cache.Loader}). So a {@code GET} that ran before the write is recorded
 * before the write's invalidation is read, and that invalidation removes it; an invalidation read
 * while a load is still in flight was sent before its reply, so that load ran after the write and
 * is fresh. Invalidations therefore remove loaded values and only mark loads in flight ({@link
 * LocalCache#invalidateLoaded}).
 *
 * <p>"Usually", because Lettuce's reactive publisher hands a reply to whichever thread wins its
 * drain: now and then the thread that sent the {@code GET}, a moment after the event loop read the
 * reply, and perhaps after it handled the next invalidation too. A load completed on any thread but
 * the one that hands over invalidations is therefore kept only if no invalidation overtook it
 * ({@link TrackingSession#completesInOrder}).
 *
 * <p>Loads are also tied to the tracking session they started in ({@link TrackingSession}).
 */
public final class CacheCoherence implements InvalidationListener {
  private static final Logger log = LoggerFactory.getLogger(CacheCoherence.class);

  private final LocalCache<Key, CachedValue> cache;
  private final TrackingSession session;
  private final LongAdder invalidatedKeys = new LongAdder();
  private final LongAdder flushes = new LongAdder();
  private final LongAdder lostSessions = new LongAdder();

  /**
   * Applies Redis' invalidations to {@code cache}, and keeps {@code session} (which the cache's
   * loader consults) up to date; register it with {@code backend.listenForInvalidations} under
   * tracking.
   */
  public CacheCoherence(LocalCache<Key, CachedValue> cache, TrackingSession session) {
    this.cache = cache;
    this.session = session;
  }

  @Override
  public void keysChanged(List<byte[]> keys) {
    session.handlingInvalidations();
    for (byte[] key : keys) {
      invalidatedKeys.increment();
      cache.invalidateLoaded(Key.of(key), EvictionCause.INVALIDATED);
    }
  }

  @Override
  public void allKeysChanged() {
    session.handlingInvalidations();
    flushes.increment();
    long removed = cache.invalidateAllLoaded(EvictionCause.INVALIDATED);
    log.info("Redis flushed its keys (FLUSHALL or FLUSHDB): cleared {} cached keys", removed);
  }

  @Override
  public long keysOutdated(Predicate<byte[]> keys) {
    return cache.invalidateIf(key -> keys.test(key.bytes()), EvictionCause.UNTRACKED);
  }

  @Override
  public synchronized void trackingLost() {
    session.lost();
    lostSessions.increment();
    long removed = cache.invalidateAll(EvictionCause.UNTRACKED);
    log.warn(
        "Lost the connection that carries invalidations: cleared {} cached keys, which may have"
            + " changed unseen; nothing is cached until tracking is back",
        removed);
  }

  @Override
  public synchronized void trackingOn() {
    session.on();
  }

  @Override
  public synchronized void trackingUnavailable(String reason) {
    session.unavailable(reason);
  }

  /** {@code tracking}, {@code none}, or why tracking fell back to none. */
  String mode() {
    return session.mode();
  }

  /**
   * 1 while cached values are sure to be invalidated when they change (always under {@code none}),
   * else 0.
   */
  int trustedNow() {
    return session.trustedNow();
  }

  long invalidatedKeys() {
    return invalidatedKeys.sum();
  }

  long flushes() {
    return flushes.sum();
  }

  long lostSessions() {
    return lostSessions.sum();
  }
}
