package io.github.redisproxy.testing;

/**
 * What a proxy under test reads from: one redis-server, a cluster or a sentinel set, started by a
 * class-level extension. A {@link ProxyExtension} built with it gets {@code REDIS_ADDRESS} from it
 * and joins its flush barrier.
 */
public interface RedisUnderTest {

  /** The {@code REDIS_ADDRESS} a proxy reads it at; known once it has started. */
  String address();

  /** Whether it has started (its extension's {@code beforeAll} ran). */
  boolean isRunning();

  /**
   * Runs {@code barrier} after the flush before each test: it returns once the proxy has handled
   * the flush's invalidations.
   */
  void addFlushBarrier(Runnable barrier);

  void removeFlushBarrier(Runnable barrier);
}
