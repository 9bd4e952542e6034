package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Loads one key into a future the cache made, and on which the cache already waits: whatever completes it runs the
 * cache's bookkeeping there and then, so a failed or empty load is out of the cache before any caller hears of it.
 */
@FunctionalInterface
public interface Loader<K, V> {

  /**
   * Starts loading {@code key}; completes {@code result} with the value, with {@code null} when there is nothing to
   * cache, or exceptionally. Called outside any lock of the cache, so it may complete at once.
   */
  void load(K key, CompletableFuture<V> result);

  /** A loader from a function that returns its own future (the cache's bookkeeping then runs wherever it attaches). */
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
