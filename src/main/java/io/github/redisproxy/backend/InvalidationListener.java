package io.github.redisproxy.backend;

import java.util.List;
import java.util.function.Predicate;

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
   * The backend can no longer vouch for the cached values of these keys (on a cluster: the node
   * they were read from lost its connection, or no longer serves their slot); remove them, loaded
   * or loading. Called rarely, on topology and connection events.
   *
   * @return how many cached keys were removed
   */
  long keysOutdated(Predicate<byte[]> keys);

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
