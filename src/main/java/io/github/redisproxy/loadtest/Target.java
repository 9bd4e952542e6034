package io.github.redisproxy.loadtest;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Where the load goes, over one protocol. {@link LoadGenerator} paces, times out, times and tallies
 * the requests; a target only opens connections, sends {@code GET} of a key and reads the answer.
 * Each request holds one connection of its own while it is in flight, and the generator never has
 * more than {@code --connections} requests in flight, so that is the most connections a target
 * opens.
 */
interface Target extends AutoCloseable {

  /** The target {@code options.url()} names: HTTP or RESP by its scheme. */
  static Target of(LoadTestOptions options) {
    return switch (options.protocol()) {
      case HTTP -> new HttpTarget(options);
      case RESP -> new RespTarget(options);
    };
  }

  /**
   * Whatever the target should do before the clock starts, on the caller's thread, so that its own
   * start-up is not charged to the first requests. It may fail silently: the requests then meet the
   * failure and count it.
   */
  default void prepare() {}

  /**
   * {@code GET} of key number {@code key}. Cold: nothing is sent until it is subscribed. Emits the
   * answer, whatever it says; fails only when no answer came (the connection could not be made, or
   * broke). Cancelling it (the generator's timeout) abandons the request, and the connection it was
   * using is closed rather than reused.
   */
  Mono<Answer> get(int key);

  /**
   * Where each closed-loop worker sends its first request from; afterwards it sends from wherever
   * the previous answer arrived.
   */
  Scheduler workerStart();

  /** The target as the report names it, {@code {n}} standing for the key number. */
  String description();

  /**
   * Whether answers say hit or miss (HTTP's {@code X-Cache}); where they do not, the hit ratio is
   * unknown, not 0.
   */
  boolean answersTellHits();

  /**
   * Closes every connection and stops every thread the target started; waits for that, on the
   * caller's thread.
   */
  @Override
  void close();

  /** Whether the cache had the key, as far as the answer says. */
  enum Cache {
    HIT,
    MISS,
    UNKNOWN
  }

  /**
   * One answer.
   *
   * @param error null for a value, else the error kind the report counts it under ({@code 404},
   *     {@code nil}, {@code -ERR}, ...)
   * @param cache hit or miss, where the answer says
   */
  record Answer(String error, Cache cache) {
    static final Answer VALUE = new Answer(null, Cache.UNKNOWN);

    static Answer error(String kind) {
      return new Answer(kind, Cache.UNKNOWN);
    }
  }
}
