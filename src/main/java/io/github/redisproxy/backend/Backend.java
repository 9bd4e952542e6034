package io.github.redisproxy.backend;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Read access to the backing Redis. Every method returns a cold publisher: nothing is sent until
 * subscription.
 */
public interface Backend extends AutoCloseable {

  /**
   * {@code GET key}, and the key's remaining time to live ({@code PTTL}) learnt in the same round
   * trip: both commands are written together on one connection, so they cost one network wait.
   *
   * @return the value, empty when the key does not exist, or a {@link BackendException}
   */
  Mono<RedisValue> get(byte[] key);

  /**
   * Taken just before {@code GET key} is sent; asked again when its reply arrives: whether the
   * backend can still vouch for a value read by it, as far as its routing goes (the node it was
   * read from still serves the key's slot, and that node's invalidations were heard all along). A
   * single Redis always can: its tracking state is reported through {@link
   * #listenForInvalidations}.
   */
  default ReadCondition readCondition(byte[] key) {
    return ReadCondition.ALWAYS;
  }

  /** Whether a value read may be cached; see {@link #readCondition}. */
  @FunctionalInterface
  interface ReadCondition {
    ReadCondition ALWAYS = () -> true;

    boolean holds();
  }

  /** {@code standalone}, {@code cluster} or {@code sentinel}. */
  default String mode() {
    return "standalone";
  }

  /** The nodes of a cluster or sentinel set, as the proxy sees them now; empty for one Redis. */
  default List<NodeStatus> nodes() {
    return List.of();
  }

  /** {@code PING}; completes empty on {@code PONG}, or fails with a {@link BackendException}. */
  Mono<Void> ping();

  /** Whether the connection to Redis is up now (a command may still time out). */
  boolean isConnected();

  /** How many times the connection to Redis was lost since start. */
  long disconnects();

  /** Reads retried because the connection broke under them, since start. */
  default long retries() {
    return 0;
  }

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
