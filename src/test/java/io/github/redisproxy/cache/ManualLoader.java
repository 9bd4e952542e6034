package io.github.redisproxy.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A loader whose loads complete only when the test says so; it counts the loads started per key.
 */
final class ManualLoader implements Function<String, CompletableFuture<String>> {
  private final Map<String, List<CompletableFuture<String>>> loads = new ConcurrentHashMap<>();

  @Override
  public CompletableFuture<String> apply(String key) {
    CompletableFuture<String> load = new CompletableFuture<>();
    loads.computeIfAbsent(key, k -> new ArrayList<>()).add(load);
    return load;
  }

  int loadsOf(String key) {
    return loads.getOrDefault(key, List.of()).size();
  }

  /** Completes the newest load of {@code key}. */
  void complete(String key, String value) {
    latest(key).complete(value);
  }

  void fail(String key, Throwable error) {
    latest(key).completeExceptionally(error);
  }

  private CompletableFuture<String> latest(String key) {
    List<CompletableFuture<String>> started = loads.get(key);
    return started.get(started.size() - 1);
  }
}
