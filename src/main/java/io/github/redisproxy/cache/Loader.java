package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Loads one key into a future the cache made, and on which the cache already waits: whatever
 * completes it runs the cache's bookkeeping there and then, before anything else that thread does
 * next. So a failed or empty load is out of the cache before any caller hears of it, and a value
 * completed on the thread that also handles invalidations is recorded before that thread handles
 * the next one (see {@link LocalCache#invalidateLoaded}).
 */
@FunctionalInterface
public interface Loader<K, V> {

  /**
   * Starts loading {@code key}; completes {@code result} with the value, with {@code null} when
   * there is nothing to cache, or exceptionally. Called outside any lock of the cache, so it may
   * complete at once.
   */
  void load(K key, CompletableFuture<V> result);

  /**
   * Asked while a load completes, on the thread completing it, and only for a load that an
   * invalidation overtook while it was in flight: whether this value was read after that
   * invalidation was handled, so that it reflects the write. True when replies and invalidations
   * are handled in the order they arrived, on one thread, and this is that thread. The cache keeps
   * the value only then. The default suits a loader that completes on the thread that invalidates,
   * or that hears of no invalidations.
   */
  default boolean completesInOrder() {
    return true;
  }

  /**
   * Asked by the cache just before it starts loading {@code key}; the answer is asked again when
   * that load completes with a value: whether the cache may keep the value. A loader whose values
   * are kept only while something holds (a source that reports changes is still listened to, as it
   * was when the load started, for this key's part of the source) returns a condition on that; a
   * refused value answers its callers and is removed as {@link EvictionCause#INVALIDATED}. The
   * default keeps every value.
   */
  default KeepCondition keepCondition(K key) {
    return KeepCondition.ALWAYS;
  }

  /** Whether a completed load may be kept, asked on the thread that completed it. */
  @FunctionalInterface
  interface KeepCondition {
    /** Keeps every value. */
    KeepCondition ALWAYS = () -> true;

    boolean holds();
  }

  /**
   * A loader from a function that returns its own future (the cache's bookkeeping then runs
   * wherever it attaches).
   */
  static <K, V> Loader<K, V> of(Function<K, CompletableFuture<V>> function) {
    return (key, result) ->
        function
            .apply(key)
            .whenComplete(
                (value, error) -> {
                  if (error != null) {
                    result.completeExceptionally(error);
                  } else {
                    result.complete(value);
                  }
                });
  }
}
