package io.github.redisproxy.backend;

import java.util.List;

/**
 * What Redis' server-assisted invalidation (CLIENT TRACKING) tells the cache. Called on the Redis
 * connection's event loop, in the order Redis sent it relative to the replies on that connection;
 * implementations must not block.
 */
public interface InvalidationListener {

  /**
   * These keys changed (written, deleted, expired, evicted or renamed) since the proxy read them.
   */
  void keysChanged(List<byte[]> keys);

  /** Every key may have changed ({@code FLUSHALL}, {@code FLUSHDB}). */
  void allKeysChanged();

  /**
   * The connection that carries invalidations is down: anything cached may already be stale, and
   * changes made from now on will not be reported until {@link #trackingOn()}.
   */
  void trackingLost();

  /**
   * Tracking is on for every read sent from now on (after the first connection and after each
   * reconnect).
   */
  void trackingOn();

  /** Redis cannot track keys (older than 6, or tracking refused); no more calls will come. */
  void trackingUnavailable(String reason);
}
