package io.github.redisproxy.metrics;

/**
 * Every meter name of the proxy, in Micrometer's dotted form; Prometheus shows {@code
 * redis_proxy.cache.requests} as {@code redis_proxy_cache_requests_total}, and a timer as {@code
 * _seconds_count}, {@code _seconds_sum} and {@code _seconds_bucket}. docs/operations.md lists the
 * Prometheus names (OperationsDocIT checks that each is exported).
 */
public final class MeterNames {
  /**
   * Counter, tag {@code result}: {@code hit}, {@code miss} (started a load) or {@code coalesced}
   * (joined one).
   */
  public static final String CACHE_REQUESTS = "redis_proxy.cache.requests";

  /**
   * Timer with histogram, tag {@code result}: {@code success} (a value or no such key) or {@code
   * failure}.
   */
  public static final String CACHE_LOADS = "redis_proxy.cache.loads";

  /**
   * Counter, tag {@code cause}: {@code size}, {@code expired}, {@code purged} or {@code
   * invalidated}.
   */
  public static final String CACHE_EVICTIONS = "redis_proxy.cache.evictions";

  /**
   * Gauge: 1 while every cached key will be invalidated when it changes in Redis (always 1 under
   * none), else 0.
   */
  public static final String INVALIDATION_TRACKING = "redis_proxy.invalidation.tracking";

  /** Counter, tag {@code kind}: {@code key}, {@code flush} or {@code tracking_lost}. */
  public static final String INVALIDATIONS = "redis_proxy.invalidations";

  /** Gauge: entries in the cache, including loads in flight. */
  public static final String CACHE_SIZE = "redis_proxy.cache.size";

  /** Gauge: CACHE_CAPACITY. */
  public static final String CACHE_CAPACITY = "redis_proxy.cache.capacity";

  /** Gauge: bytes of the cached keys and values, stale ones included. */
  public static final String CACHE_BYTES = "redis_proxy.cache.bytes";

  /** Gauge: CACHE_MAX_BYTES. */
  public static final String CACHE_MAX_BYTES = "redis_proxy.cache.max_bytes";

  /** Counter: answers given from a stale value while Redis failed (STALE_IF_ERROR). */
  public static final String CACHE_STALE = "redis_proxy.cache.stale";

  /** Counter: loads answered but not cached, their value longer than CACHE_MAX_VALUE_BYTES. */
  public static final String CACHE_BYPASSED = "redis_proxy.cache.bypassed";

  /** Counter: background reloads started by CACHE_REFRESH_AHEAD. */
  public static final String CACHE_REFRESHES = "redis_proxy.cache.refreshes";

  /**
   * Counter, tag {@code frontend}: connections closed at once because MAX_CONNECTIONS were open.
   */
  public static final String CONNECTIONS_REJECTED = "redis_proxy.connections.rejected";

  /** Counter: HTTP connections closed because a request's headers took too long. */
  public static final String REQUEST_HEADER_TIMEOUTS = "redis_proxy.http.request_header_timeouts";

  /** Counter: RESP connections closed because more reply bytes were queued than allowed. */
  public static final String REPLY_BUFFER_CLOSES = "redis_proxy.resp.reply_buffer_closes";

  /** Gauge: when the served TLS certificate expires, in seconds since the epoch. */
  public static final String TLS_CERTIFICATE_EXPIRY = "redis_proxy.tls.certificate.expiry.seconds";

  /** Counter, tag {@code frontend}: connections closed because their TLS handshake failed. */
  public static final String TLS_HANDSHAKE_FAILURES = "redis_proxy.tls.handshake.failures";

  /**
   * Counter, tag {@code result}: {@code success} or {@code failure}, per change of the TLS files.
   */
  public static final String TLS_RELOADS = "redis_proxy.tls.reloads";

  /** Counter: reads retried once because the connection to Redis broke under them. */
  public static final String BACKEND_RETRIES = "redis_proxy.backend.retries";

  /** Timer with histogram, tags {@code frontend}, {@code command}, {@code status}. */
  public static final String REQUESTS = "redis_proxy.requests";

  /** Gauge, tag {@code frontend}: requests received and not yet answered. */
  public static final String REQUESTS_IN_FLIGHT = "redis_proxy.requests.in_flight";

  /** Gauge: lookups holding a concurrency slot now. */
  public static final String LOOKUPS_RUNNING = "redis_proxy.lookups.running";

  /** Gauge: lookups waiting for a concurrency slot now. */
  public static final String LOOKUPS_QUEUED = "redis_proxy.lookups.queued";

  /**
   * Counter, tag {@code reason}: {@code queue_full} or {@code queue_timeout}; each is answered 503
   * (RESP: -ERR proxy overloaded).
   */
  public static final String LOOKUPS_REJECTED = "redis_proxy.lookups.rejected";

  /** Gauge, tag {@code frontend}: open client connections. */
  public static final String CONNECTIONS = "redis_proxy.connections";

  /** Gauge: 1 while the connection to Redis is up, else 0. */
  public static final String BACKEND_UP = "redis_proxy.backend.up";

  /** Counter: times the connection to Redis was lost. */
  public static final String BACKEND_DISCONNECTS = "redis_proxy.backend.disconnects";

  /**
   * Function timer, tag {@code node} (host:port of a cluster or sentinel set's node): reads the
   * proxy sent to that node, and their time.
   */
  public static final String NODE_READS = "redis_proxy.backend.node.reads";

  /** Counter, tag {@code node}: reads that failed (timeouts, errors, lost connections). */
  public static final String NODE_ERRORS = "redis_proxy.backend.node.errors";

  /** Counter, tag {@code node}: times the connection to the node was lost. */
  public static final String NODE_RECONNECTS = "redis_proxy.backend.node.reconnects";

  /** Counter, tag {@code node}: reads the node answered with MOVED or ASK. */
  public static final String NODE_REDIRECTS = "redis_proxy.backend.node.redirects";

  /** Counter, tag {@code node}: keys the node reported changed. */
  public static final String NODE_INVALIDATIONS = "redis_proxy.backend.node.invalidations";

  /**
   * Counter, tags {@code node} and {@code reason}: {@code topology_change}, {@code connection_lost}
   * or {@code slot_moved}: cached keys dropped because of that node.
   */
  public static final String NODE_FLUSHED = "redis_proxy.backend.node.flushed";

  /** Gauge, tag {@code node}: 1 while the proxy's connection to the node is up. */
  public static final String NODE_UP = "redis_proxy.backend.node.up";

  /** Gauge, tag {@code node}: 1 while invalidation tracking is armed on that connection. */
  public static final String NODE_TRACKING = "redis_proxy.backend.node.tracking";

  private MeterNames() {}
}
