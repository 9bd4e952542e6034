package io.github.redisproxy.lookup;

import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.InvalidationListener;
import io.github.redisproxy.backend.RedisValue;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An in-memory stand-in for the project's own {@link Backend} interface, so that tests decide when
 * each GET answers. It says nothing about Redis' behaviour; the system tests cover that against a
 * real redis-server.
 */
final class FakeBackend implements Backend {
  private final Map<String, Sinks.One<RedisValue>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger gets = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();
  private final Map<String, AtomicInteger> routes = new ConcurrentHashMap<>();
  private boolean tracking;
  private volatile InvalidationListener listener;

  @Override
  public Mono<RedisValue> get(byte[] key) {
    return Mono.defer(
        () -> {
          gets.incrementAndGet();
          Sinks.One<RedisValue> answer = Sinks.one();
          pending.put(new String(key, StandardCharsets.UTF_8), answer);
          return answer.asMono().doOnCancel(cancelled::incrementAndGet);
        });
  }

  /** As a cluster does: a value may be kept while the key's route is the one its read took. */
  @Override
  public ReadCondition readCondition(byte[] key) {
    AtomicInteger route =
        routes.computeIfAbsent(new String(key, StandardCharsets.UTF_8), k -> new AtomicInteger());
    int taken = route.get();
    return () -> route.get() == taken;
  }

  /**
   * The node that served {@code key} no longer vouches for it (its slot moved, or its connection
   * was lost): reads in flight for it may not be kept.
   */
  void reroute(String key) {
    routes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public Mono<Void> ping() {
    return Mono.empty();
  }

  @Override
  public boolean isConnected() {
    return true;
  }

  @Override
  public long disconnects() {
    return 0;
  }

  @Override
  public boolean tracksInvalidations() {
    return tracking;
  }

  @Override
  public void listenForInvalidations(InvalidationListener listener) {
    this.listener = listener;
  }

  /**
   * Pretends to be a backend with CACHE_INVALIDATION=tracking; {@link #invalidations()} is then its
   * listener.
   */
  FakeBackend tracking() {
    tracking = true;
    return this;
  }

  /** What the lookup service registered to hear about changed keys. */
  InvalidationListener invalidations() {
    return listener;
  }

  @Override
  public void close() {}

  void answer(String key, String value) {
    answer(key, value, RedisValue.NO_TTL);
  }

  /** Answers {@code value}, which Redis says lives {@code ttlMillis} more ({@code -1}: no TTL). */
  void answer(String key, String value, long ttlMillis) {
    Sinks.One<RedisValue> answer = pending.remove(key);
    if (value == null) {
      answer.tryEmitEmpty();
    } else {
      answer.tryEmitValue(new RedisValue(value.getBytes(StandardCharsets.UTF_8), ttlMillis));
    }
  }

  void fail(String key, RuntimeException error) {
    pending.remove(key).tryEmitError(error);
  }

  boolean isWaiting(String key) {
    return pending.containsKey(key);
  }

  int gets() {
    return gets.get();
  }

  int cancelled() {
    return cancelled.get();
  }
}
