package io.github.redisproxy.backend;

import java.util.List;
import java.util.function.Predicate;

/**
 * Hands tracking events to the one {@link InvalidationListener}, and remembers the tracking state
 * so that a listener registered after the first connection still hears that tracking is on (or
 * unavailable). State changes and their notifications happen under one lock, so a listener never
 * sees them out of order; key invalidations need no lock.
 */
final class InvalidationRelay implements InvalidationListener {
  private enum State {
    OFF,
    ON,
    UNAVAILABLE
  }

  private volatile InvalidationListener listener;
  private State state = State.OFF; // guarded by this
  private String unavailableReason; // guarded by this

  synchronized void setListener(InvalidationListener listener) {
    this.listener = listener;
    switch (state) {
      case ON -> listener.trackingOn();
      case UNAVAILABLE -> listener.trackingUnavailable(unavailableReason);
      case OFF -> {}
    }
  }

  @Override
  public void keysChanged(List<byte[]> keys) {
    InvalidationListener current = listener;
    if (current != null) {
      current.keysChanged(keys);
    }
  }

  @Override
  public void allKeysChanged() {
    InvalidationListener current = listener;
    if (current != null) {
      current.allKeysChanged();
    }
  }

  @Override
  public long keysOutdated(Predicate<byte[]> keys) {
    InvalidationListener current = listener;
    return current == null ? 0 : current.keysOutdated(keys);
  }

  @Override
  public synchronized void trackingLost() {
    if (state != State.ON) {
      return;
    }
    state = State.OFF;
    if (listener != null) {
      listener.trackingLost();
    }
  }

  @Override
  public synchronized void trackingOn() {
    state = State.ON;
    if (listener != null) {
      listener.trackingOn();
    }
  }

  @Override
  public synchronized void trackingUnavailable(String reason) {
    state = State.UNAVAILABLE;
    unavailableReason = reason;
    if (listener != null) {
      listener.trackingUnavailable(reason);
    }
  }
}
