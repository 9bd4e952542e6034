package io.github.redisproxy.lookup;

import io.github.redisproxy.cache.Loader;
import io.github.redisproxy.config.InvalidationMode;

/**
 * Whether values read from Redis now will be invalidated when they change: under {@code
 * CACHE_INVALIDATION=tracking}, only while Redis tracks the connection's reads. {@link
 * BackendLoader} reads it when a load starts and when it ends; {@link CacheCoherence} changes it as
 * the tracking connection comes and goes.
 *
 * <p>Loads are tied to the tracking session they started in: each start takes a {@link
 * Loader.KeepCondition} on the session number and on whether tracking was on. A load is kept only
 * if tracking was on when it started and the session has not changed since: a load sent while
 * tracking was off, or across a lost connection, might never be invalidated.
 */
public final class TrackingSession {
  private volatile boolean tracking; // false under CACHE_INVALIDATION=none, or after a fallback
  private volatile boolean trusted;
  private volatile long session;
  private volatile String mode;

  /**
   * The thread that hands over invalidations: Lettuce's event loop for the connection, which also
   * reads replies.
   */
  private volatile Thread invalidationThread;

  private TrackingSession(boolean tracking) {
    this.tracking = tracking;
    // With tracking, nothing is kept until Redis confirms it tracks our reads.
    this.trusted = !tracking;
    this.mode = (tracking ? InvalidationMode.TRACKING : InvalidationMode.NONE).configName();
  }

  /** Expiry only: every load is kept. */
  public static TrackingSession none() {
    return new TrackingSession(false);
  }

  /**
   * Server-assisted invalidation: nothing is kept until {@link CacheCoherence#trackingOn} says
   * Redis tracks the connection.
   */
  public static TrackingSession tracking() {
    return new TrackingSession(true);
  }

  /** Taken when a load starts: whether, when it completes, its value may be kept. */
  Loader.KeepCondition keepCondition() {
    if (!tracking) {
      return Loader.KeepCondition.ALWAYS;
    }
    long startedIn = session;
    boolean trustedAtStart = trusted;
    return () -> !tracking || (trustedAtStart && trusted && startedIn == session);
  }

  /**
   * Whether a load completing now, on this thread, had its reply read after every invalidation
   * handled so far: true on the thread that hands over invalidations, since it reads replies and
   * invalidations in the order Redis sent them. An invalidation records its thread ({@link
   * #handlingInvalidations}) before it marks a load, so a load that was marked can rely on this.
   */
  boolean completesInOrder() {
    return Thread.currentThread() == invalidationThread;
  }

  /** The calling thread hands over invalidations. */
  void handlingInvalidations() {
    invalidationThread = Thread.currentThread();
  }

  // The three changes below are made under CacheCoherence's lock, one at a time.

  /** The connection that carries invalidations was lost: loads started so far are not kept. */
  void lost() {
    trusted = false;
    session++;
  }

  /**
   * Redis tracks the connection again. No new session: a load that started while tracking was off
   * already has an untrusted condition, and a second "on" for the same connection (Lettuce can
   * report a reconnect while the first CLIENT TRACKING is still being answered) must not make the
   * loads of a session that never lost tracking uncacheable.
   */
  void on() {
    trusted = true;
  }

  /** Redis refused CLIENT TRACKING: expiry only from now on. */
  void unavailable(String reason) {
    tracking = false;
    trusted = true;
    mode = InvalidationMode.NONE.configName() + " (Redis refused CLIENT TRACKING: " + reason + ")";
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
}
