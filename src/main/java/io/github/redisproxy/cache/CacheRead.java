package io.github.redisproxy.cache;

import java.util.concurrent.CompletableFuture;

/**
 * The outcome of {@link LocalCache#get}.
 *
 * @param value the shared future of the value; completes with {@code null} when the loader found
 *     nothing
 * @param source whether the value was loaded already, or this call started a load, or joined one in
 *     flight
 * @param <V> value type
 */
public record CacheRead<V>(CompletableFuture<V> value, Source source) {

  /** Where a read's value comes from. */
  public enum Source {
    /** Already loaded: no load was started or joined. */
    HIT,
    /** This call started the load. */
    STARTED_LOAD,
    /** Another call's load was in flight, and this call shares it. */
    JOINED_LOAD
  }

  public boolean hit() {
    return source == Source.HIT;
  }
}
