package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The future of one load in the cache, and where that load stands: in flight, overtaken (an
 * invalidation arrived while it was in flight), or loaded. An invalidation and the load's
 * completion may run on different threads; the states change by compare-and-set, so both agree on
 * which came first.
 */
class CacheEntry<V> extends CompletableFuture<V> {
  private static final int LOADING = 0;
  private static final int OVERTAKEN = 1;
  private static final int LOADED = 2;

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<CacheEntry> STATE =
      AtomicIntegerFieldUpdater.newUpdater(CacheEntry.class, "state");

  private volatile int state = LOADING;

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<CacheEntry> REFRESHING =
      AtomicIntegerFieldUpdater.newUpdater(CacheEntry.class, "refreshing");

  private volatile int refreshing;

  /** True for the one caller that may start this entry's refresh-ahead; false for all others. */
  final boolean startRefresh() {
    return refreshing == 0 && REFRESHING.compareAndSet(this, 0, 1);
  }

  /**
   * An invalidation arrived: true if the load was still in flight (it is overtaken now), false if
   * it had loaded.
   */
  final boolean overtakeIfLoading() {
    return STATE.compareAndSet(this, LOADING, OVERTAKEN) || state == OVERTAKEN;
  }

  /**
   * The load has its value: true, and the value counts as loaded, unless an invalidation overtook
   * the load first.
   */
  final boolean loadedFirst() {
    return STATE.compareAndSet(this, LOADING, LOADED);
  }

  /**
   * An overtaken load is kept after all: its value was read after the invalidation that overtook
   * it.
   */
  final void loadedAfterAll() {
    state = LOADED;
  }

  // A CompletableFuture subclass must say what kind of future its dependents get: a plain one,
  // without the state.
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
