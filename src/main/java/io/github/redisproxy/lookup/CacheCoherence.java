package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.InvalidationListener;
import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.cache.LocalCache;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local cache coherent with Redis under CACHE_INVALIDATION=tracking: a changed key is
 * removed as soon as Redis reports it, and nothing is cached that Redis would not report.
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
 * ({@link #completesInOrder}).
 *
 * <p>Loads are also tied to the tracking session they started in: each start reads a {@link Ticket}
 * (the session number, and whether tracking was on). A load is kept only if tracking was on when it
 * started and the session has not changed since: a load sent while tracking was off, or across a
 * lost connection, might never be invalidated.
 */
final class CacheCoherence implements InvalidationListener {
  private static final Logger log = LoggerFactory.getLogger(CacheCoherence.class);

  /** The tracking session a load started in. */
  record Ticket(long session, boolean trusted) {}

  private static final Ticket ALWAYS = new Ticket(0, true);

  private final LocalCache<Key, byte[]> cache;
  private volatile boolean tracking; // false under CACHE_INVALIDATION=none, or after a fallback
  private volatile boolean trusted;
  private volatile long session;
  private volatile String mode;

  /**
   * The thread that hands over invalidations: Lettuce's event loop for the connection, which also
   * reads replies.
   */
  private volatile Thread invalidationThread;

  private final LongAdder invalidatedKeys = new LongAdder();
  private final LongAdder flushes = new LongAdder();
  private final LongAdder lostSessions = new LongAdder();

  private CacheCoherence(LocalCache<Key, byte[]> cache, boolean tracking) {
    this.cache = cache;
    this.tracking = tracking;
    this.trusted =
        !tracking; // with tracking, nothing is cached until Redis confirms it tracks our reads
    this.mode = tracking ? "tracking" : "none";
  }

  /** Expiry only: every load is kept. */
  static CacheCoherence none(LocalCache<Key, byte[]> cache) {
    return new CacheCoherence(cache, false);
  }

  /** Server-assisted invalidation; call {@code backend.listenForInvalidations(this)} next. */
  static CacheCoherence tracking(LocalCache<Key, byte[]> cache) {
    return new CacheCoherence(cache, true);
  }

  /** Read when a load starts. */
  Ticket ticket() {
    return tracking ? new Ticket(session, trusted) : ALWAYS;
  }

  /** Whether a load that started with {@code ticket} may be cached now that it has completed. */
  boolean mayKeep(Ticket ticket) {
    return !tracking || (ticket.trusted() && trusted && ticket.session() == session);
  }

  /**
   * Whether a load completing now, on this thread, had its reply read after every invalidation
   * handled so far: true on the thread that hands over invalidations, since it reads replies and
   * invalidations in the order Redis sent them. An invalidation records its thread before it marks
   * a load, so a load that was marked can rely on this.
   */
  boolean completesInOrder() {
    return Thread.currentThread() == invalidationThread;
  }

  /** Called instead of caching a load that {@link #mayKeep} refused. */
  void discard(Key key) {
    cache.invalidate(key, EvictionCause.INVALIDATED);
  }

  @Override
  public void keysChanged(List<byte[]> keys) {
    invalidationThread = Thread.currentThread();
    for (byte[] key : keys) {
      invalidatedKeys.increment();
      cache.invalidateLoaded(Key.of(key), EvictionCause.INVALIDATED);
    }
  }

  @Override
  public void allKeysChanged() {
    invalidationThread = Thread.currentThread();
    flushes.increment();
    long removed = cache.invalidateAllLoaded(EvictionCause.INVALIDATED);
    log.info("Redis flushed its keys (FLUSHALL or FLUSHDB): cleared {} cached keys", removed);
  }

  @Override
  public synchronized void trackingLost() {
    trusted = false;
    session++;
    lostSessions.increment();
    long removed = cache.invalidateAll(EvictionCause.INVALIDATED);
    log.warn(
        "Lost the connection that carries invalidations: cleared {} cached keys, which may have changed unseen;"
            + " nothing is cached until tracking is back",
        removed);
  }

  @Override
  public synchronized void trackingOn() {
    // No new session: a load that started while tracking was off already has an untrusted ticket,
    // and a second "on"
    // for the same connection (Lettuce can report a reconnect while the first CLIENT TRACKING is
    // still being answered)
    // must not make the loads of a session that never lost tracking uncacheable.
    trusted = true;
  }

  @Override
  public synchronized void trackingUnavailable(String reason) {
    tracking = false;
    trusted = true;
    mode = "none (Redis refused CLIENT TRACKING: " + reason + ")";
  }

  /** {@code tracking}, {@code none}, or why tracking fell back to none. */
  String mode() {
    return mode;
  }

  /**
   * 1 while cached values are sure to be invalidated when they change (always under {@code none}),
   * else 0.
   */
  int trustedNow() {
    return trusted ? 1 : 0;
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
