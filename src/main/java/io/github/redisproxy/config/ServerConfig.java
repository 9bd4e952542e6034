package io.github.redisproxy.config;

import java.time.Duration;

/**
 * The HTTP front end and the concurrency gate in front of the lookup.
 *
 * @param bindAddress the interface to listen on
 * @param port the HTTP port
 * @param maxConcurrency how many requests are processed at once
 * @param maxQueued how many more may wait for a slot before the rest are refused with 503
 * @param queueTimeout how long a request may wait in the queue before it is refused with 503
 * @param shutdownTimeout how long SIGTERM waits for requests in flight
 * @param accessLog whether each HTTP request is logged
 * @param eventLoops how many event-loop threads, or {@link #DEFAULT_EVENT_LOOPS}
 * @param http2MaxStreams how many HTTP/2 streams one connection may have open at once
 * @param maxConnections how many connections each client port (HTTP, RESP) accepts at once; more
 *     are closed at once
 * @param idleTimeout how long a client connection may stay silent before it is closed; zero: never
 * @param requestHeaderTimeout how long an HTTP request's headers may take from its first byte;
 *     zero: no limit
 */
public record ServerConfig(
    String bindAddress,
    int port,
    int maxConcurrency,
    int maxQueued,
    Duration queueTimeout,
    Duration shutdownTimeout,
    boolean accessLog,
    int eventLoops,
    int http2MaxStreams,
    int maxConnections,
    Duration idleTimeout,
    Duration requestHeaderTimeout) {

  /** The {@link #eventLoops} value that means Reactor Netty's default count. */
  public static final int DEFAULT_EVENT_LOOPS = 0;

  /** HTTP2_MAX_STREAMS' default. */
  public static final int DEFAULT_HTTP2_MAX_STREAMS = 1000;

  /** MAX_CONNECTIONS' default, as Redis' {@code maxclients}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  /** IDLE_TIMEOUT's default. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** REQUEST_HEADER_TIMEOUT's default. */
  public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);

  /** With the defaults of the HTTP/2 and connection limits. */
  public ServerConfig(
      String bindAddress,
      int port,
      int maxConcurrency,
      int maxQueued,
      Duration queueTimeout,
      Duration shutdownTimeout,
      boolean accessLog,
      int eventLoops) {
    this(
        bindAddress,
        port,
        maxConcurrency,
        maxQueued,
        queueTimeout,
        shutdownTimeout,
        accessLog,
        eventLoops,
        DEFAULT_HTTP2_MAX_STREAMS,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_REQUEST_HEADER_TIMEOUT);
  }
}
