package io.github.redisproxy.backend;

import reactor.core.publisher.Mono;

/**
 * Read access to the backing Redis. Every method returns a cold publisher: nothing is sent until
 * subscription.
 */
public interface Backend extends AutoCloseable {

  /**
   * {@code GET key}.
   *
   * @return the value's bytes, empty when the key does not exist, or a {@link BackendException}
   */
  Mono<byte[]> get(byte[] key);

  /** {@code PING}; completes empty on {@code PONG}, or fails with a {@link BackendException}. */
  Mono<Void> ping();

  /** Whether the connection to Redis is up now (a command may still time out). */
  boolean isConnected();

  /** How many times the connection to Redis was lost since start. */
  long disconnects();

  /** Whether this backend reports changed keys (CACHE_INVALIDATION=tracking). */
  boolean tracksInvalidations();

  /**
   * Reports changed keys to {@code listener} from now on; call before the first {@code get} whose
   * value is cached. Ignored when {@link #tracksInvalidations()} is false.
   */
  void listenForInvalidations(InvalidationListener listener);

  /** Closes the connection; commands still in flight fail. */
  @Override
  void close();
}
