package io.github.redisproxy.backend;

import io.github.redisproxy.config.BackendConfig;
import io.github.redisproxy.config.InvalidationMode;
import io.github.redisproxy.config.RedisAddress;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.connection.ConnectedEvent;
import io.lettuce.core.event.connection.DisconnectedEvent;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The backend over one multiplexed Lettuce connection with the {@link ByteArrayCodec}: values are
 * bytes, never strings.
 *
 * <p>Failing fast is the point of the configuration: Lettuce by default queues commands without
 * bound while disconnected, so a dead Redis would turn into requests that hang. Here commands are
 * rejected while disconnected, every command has a timeout, and the first connection is retried in
 * the background, so the proxy starts (and answers 503) while Redis is down and recovers by itself
 * when it comes back.
 *
 * <p>With CACHE_INVALIDATION=tracking the same connection carries invalidations: it speaks RESP3
 * (Lettuce negotiates it with {@code HELLO 3}), {@code CLIENT TRACKING on} is sent after the first
 * connection and after every reconnect, and Redis pushes {@code invalidate} messages on it, which
 * Lettuce hands to a {@link PushListener}. One connection keeps each invalidation in order with the
 * replies: an invalidation that is read after a {@code GET}'s reply is about a write made after
 * that {@code GET} ran. (Lettuce reads them in that order, but may hand a reply to its subscriber
 * on another thread, later; the cache allows for that.) The first connection counts as up only once
 * tracking is on, so nothing is read untracked at start-up.
 */
public final class LettuceBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(LettuceBackend.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(50);
  private static final Duration MAX_RETRY = Duration.ofSeconds(1);
  private static final Duration RECONNECT_POLL = Duration.ofMillis(5);

  private final String address;
  private final RedisURI uri;
  private final Duration timeout;
  private final ClientResources resources;
  private final boolean ownsResources;
  private final boolean readOnly;
  private final RedisClient client;
  private final Disposable connecting;
  private final Disposable connectionEvents;
  private volatile StatefulRedisConnection<byte[], byte[]> connection;
  private final TurnBatchedWrites writes = new TurnBatchedWrites();
  private volatile boolean closing;
  private final LongAdder disconnects = new LongAdder();
  private final LongAdder retries = new LongAdder();
  // Connections made so far (the first, and every reconnect): a retry waits for a newer one.
  private volatile long connections;
  // When the connection went down (System.nanoTime, never 0), or 0 while it is up.
  private volatile long downSince;
  // Written and read only on the thread that reads this connection's messages.
  private long invalidationsRead;
  private final boolean tracking;
  private final InvalidationRelay invalidations = new InvalidationRelay();

  private LettuceBackend(
      String address,
      RedisURI uri,
      Duration timeout,
      boolean tracking,
      boolean readOnly,
      ClientResources shared) {
    this.address = address;
    this.uri = uri;
    this.timeout = timeout;
    this.tracking = tracking;
    this.readOnly = readOnly;
    this.ownsResources = shared == null;
    this.resources = ownsResources ? resources() : shared;
    this.client = RedisClient.create(resources);
    client.setOptions(clientOptions(timeout));
    // A node of a cluster or sentinel set shares its resources (and their event bus) with the other
    // nodes, so it hears of its own connection's ups and downs through a listener instead.
    this.connectionEvents =
        !ownsResources
            ? null
            : resources
                .eventBus()
                .get()
                .subscribe(
                    event -> {
                      if (event instanceof ConnectedEvent) {
                        log.info("Connected to Redis at {}", address);
                      } else if (event instanceof DisconnectedEvent) {
                        if (!closing) {
                          disconnects.increment();
                          log.warn("Disconnected from Redis at {}; reconnecting", address);
                        }
                      }
                    });
    this.connecting = connectUntilConnected();
  }

  /** Client resources whose reconnect delay starts short and stays short. */
  static ClientResources resources() {
    return ClientResources.builder()
        .reconnectDelay(
            Delay.exponential(
                FIRST_RETRY, MAX_RETRY, 2, java.util.concurrent.TimeUnit.MILLISECONDS))
        .build();
  }

  /** Fail fast: commands are rejected while disconnected, and every command has a timeout. */
  static ClientOptions clientOptions(Duration timeout) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
        .build();
  }

  /**
   * Starts connecting in the background and returns at once; until the first connection is up,
   * calls fail with {@link BackendException.Kind#UNAVAILABLE}.
   */
  public static LettuceBackend start(BackendConfig config) {
    RedisAddress address = config.address();
    return new LettuceBackend(
        address.toString(),
        uri(address, address.host(), address.port(), config.timeout()),
        config.timeout(),
        config.invalidation() == InvalidationMode.TRACKING,
        false,
        null);
  }

  /**
   * The connection to one node of a cluster or sentinel set, on resources shared with the other
   * nodes (which {@link #close} leaves running).
   *
   * @param readOnly sends {@code READONLY} after every (re)connection, before tracking is turned
   *     on, so that a cluster replica answers reads instead of redirecting them
   */
  static LettuceBackend node(
      String address,
      RedisURI uri,
      Duration timeout,
      boolean tracking,
      boolean readOnly,
      ClientResources shared) {
    return new LettuceBackend(address, uri, timeout, tracking, readOnly, shared);
  }

  private Disposable connectUntilConnected() {
    return Mono.defer(
            () -> Mono.fromCompletionStage(client.connectAsync(ByteArrayCodec.INSTANCE, uri)))
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, FIRST_RETRY)
                .maxBackoff(MAX_RETRY)
                .doBeforeRetry(
                    signal -> {
                      if (signal.totalRetries() == 0) {
                        log.warn(
                            "Redis at {} is unreachable ({}); retrying until it answers",
                            address,
                            signal.failure().getMessage());
                      }
                    }))
        .flatMap(this::prepared)
        .subscribe(
            connected -> {
              connection = connected;
              connections++;
              if (!ownsResources) {
                log.info("Connected to Redis at {}", address);
              }
            },
            error -> log.error("Giving up connecting to Redis at {}", address, error));
  }

  /**
   * Turns tracking on for a new connection before it serves a single {@code GET}, and again on
   * every reconnect (after {@code READONLY} for a cluster replica). The push listener is added
   * first, so that no invalidation can arrive unheard.
   */
  private Mono<StatefulRedisConnection<byte[], byte[]>> prepared(
      StatefulRedisConnection<byte[], byte[]> connected) {
    if (tracking) {
      connected.addListener(this::onPush);
    }
    connected.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress remote) {
            if (!closing) {
              connections++;
              downSince = 0;
              if (!ownsResources) {
                log.info("Reconnected to Redis at {}", address);
              }
              readOnly(connected).then(enableTracking(connected)).subscribe();
            }
          }

          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
            if (!closing) {
              if (downSince == 0) {
                downSince = System.nanoTime() | 1; // never 0, which means up
              }
              if (!ownsResources) {
                disconnects.increment();
                log.warn("Disconnected from Redis at {}; reconnecting", address);
              }
              if (tracking) {
                invalidations.trackingLost();
              }
            }
          }
        });
    return readOnly(connected).then(enableTracking(connected)).thenReturn(connected);
  }

  /** {@code READONLY} on a cluster replica's connection; nothing otherwise. */
  private Mono<Void> readOnly(StatefulRedisConnection<byte[], byte[]> connected) {
    if (!readOnly) {
      return Mono.empty();
    }
    return Mono.defer(() -> guard(connected.reactive().readOnly()))
        .doOnError(
            failure ->
                log.warn("Redis at {} did not accept READONLY: {}", address, failure.getMessage()))
        .onErrorResume(failure -> Mono.empty())
        .then();
  }

  /**
   * {@code CLIENT TRACKING on}, retried briefly while the connection settles; a Redis that refuses
   * it (older than 6, or a proxy in between that does not pass RESP3 pushes) leaves the cache with
   * expiry only, and says so.
   */
  private Mono<Void> enableTracking(StatefulRedisConnection<byte[], byte[]> connected) {
    if (!tracking) {
      return Mono.empty();
    }
    return Mono.defer(
            () -> guard(connected.reactive().clientTracking(TrackingArgs.Builder.enabled())))
        .retryWhen(
            Retry.backoff(5, FIRST_RETRY)
                .filter(
                    error ->
                        error instanceof BackendException failure
                            && failure.kind() != BackendException.Kind.ERROR)
                // The last failure itself, not Reactor's "retries exhausted", so that the handler
                // below sees it.
                .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
        .doOnSuccess(
            ok -> {
              // State first, then the line: whoever reads "tracking is on" may count on the next
              // load being kept.
              invalidations.trackingOn();
              log.info(
                  "Invalidation tracking is on for Redis at {} (CLIENT TRACKING, RESP3 push)",
                  address);
            })
        .onErrorResume(
            BackendException.class,
            failure -> {
              if (failure.kind() == BackendException.Kind.ERROR) {
                log.warn(
                    "Redis at {} refused CLIENT TRACKING ({}); falling back to CACHE_INVALIDATION=none: changed keys"
                        + " are served stale until GLOBAL_CACHE_EXPIRY",
                    address,
                    failure.getMessage());
                invalidations.trackingUnavailable(failure.getMessage());
              } else {
                // The connection went away again; the next reconnect tries once more.
                log.warn(
                    "Could not turn invalidation tracking on for Redis at {}: {}",
                    address,
                    failure.getMessage());
              }
              return Mono.empty();
            })
        .then();
  }

  /** {@code invalidate} pushes: a list of keys, or null when Redis flushed a whole database. */
  private void onPush(PushMessage message) {
    if (!"invalidate".equals(message.getType())) {
      return;
    }
    invalidationsRead++;
    List<Object> content = message.getContent(LettuceBackend::bytes);
    Object keys = content.size() > 1 ? content.get(1) : null;
    if (keys instanceof List<?> list) {
      List<byte[]> changed = new ArrayList<>(list.size());
      for (Object key : list) {
        if (key instanceof byte[] bytes) {
          changed.add(bytes);
        }
      }
      invalidations.keysChanged(changed);
    } else {
      invalidations.allKeysChanged();
    }
  }

  private static Object bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** The URI of one Redis server at {@code host:port}, with {@code address}' credentials. */
  static RedisURI uri(RedisAddress address, String host, int port, Duration timeout) {
    RedisURI.Builder uri =
        RedisURI.builder()
            .withHost(host)
            .withPort(port)
            .withSsl(address.tls())
            .withDatabase(address.database())
            .withTimeout(timeout)
            // Shows in CLIENT LIST, so that an operator (or a test) can find the proxy's
            // connection.
            .withClientName("redis-proxy");
    if (address.password() != null) {
      if (address.username() != null) {
        uri.withAuthentication(address.username(), address.password());
      } else {
        uri.withPassword(address.password().toCharArray());
      }
    }
    return uri.build();
  }

  /**
   * {@code PTTL} and {@code GET}, written together: the value and the time it has left, in one
   * round trip. The read completes with {@code GET}'s reply, the later one, so the standalone
   * argument holds unchanged: the cache records the value on the thread that reads Redis' replies,
   * before that thread reads anything sent after it (an invalidation of this key included).
   *
   * <p>The time to live is read just before the value. Should the key change between the two (an
   * invalidation read between the two replies; pipelined commands run back to back in Redis, so
   * this is rare), the time to live may be the old value's: the value is then answered with no time
   * left, so that it is not cached.
   *
   * <p>A read that fails because the connection broke (rejected while Lettuce reconnects, or lost
   * with the connection) is retried once, as soon as the connection is back, within the same {@code
   * REDIS_TIMEOUT}: a {@code GET} is safe to repeat. Timeouts and Redis' own errors are not
   * retried, nor is a read while the connection has been down for longer than {@code
   * REDIS_TIMEOUT}: that is an outage, and reads fail fast.
   */
  @Override
  public Mono<RedisValue> get(byte[] key) {
    return Mono.defer(
        () -> {
          long deadline = System.nanoTime() + timeout.toNanos();
          long attemptedOn = connections;
          return getOnce(key)
              .onErrorResume(
                  this::connectionBroke,
                  broke -> retryWhenReconnected(key, deadline, attemptedOn, broke));
        });
  }

  private Mono<RedisValue> getOnce(byte[] key) {
    return Mono.defer(
        () -> {
          StatefulRedisConnection<byte[], byte[]> current = connection;
          if (current == null) {
            return Mono.error(notConnected());
          }
          ByteArrayCodec codec = ByteArrayCodec.INSTANCE;
          AsyncCommand<byte[], byte[], Long> ttl =
              new AsyncCommand<>(
                  new Command<>(
                      CommandType.PTTL,
                      new IntegerOutput<>(codec),
                      new CommandArgs<>(codec).addKey(key)));
          AsyncCommand<byte[], byte[], byte[]> get =
              new AsyncCommand<>(
                  new Command<>(
                      CommandType.GET,
                      new ValueOutput<>(codec),
                      new CommandArgs<>(codec).addKey(key)));
          // Attached before the commands are written, so both run on the thread that reads the
          // replies, in order, and see the invalidations read between them.
          long[] invalidationsAtTtl = {-1};
          ttl.thenRun(() -> invalidationsAtTtl[0] = invalidationsRead);
          CompletableFuture<RedisValue> value =
              get.thenApply(
                  bytes ->
                      value(
                          bytes,
                          ttl.isCompletedExceptionally() ? null : ttl.getNow(null),
                          invalidationsAtTtl[0] == invalidationsRead));
          writes.dispatch(current, List.of(ttl, get));
          return translateErrors(Mono.fromCompletionStage(value));
        });
  }

  /**
   * PTTL: -1 no expiry, -2 gone (so the value must not be kept); no time left either if the key
   * changed between the two replies.
   */
  private static RedisValue value(byte[] bytes, Long ttl, boolean unchanged) {
    if (bytes == null) {
      return null;
    }
    if (!unchanged || ttl == null) {
      return new RedisValue(bytes, 0);
    }
    return new RedisValue(bytes, ttl == -1 ? RedisValue.NO_TTL : Math.max(0, ttl));
  }

  private boolean connectionBroke(Throwable error) {
    return !closing
        && error instanceof BackendException failure
        && failure.kind() == BackendException.Kind.UNAVAILABLE
        && !(failure.getCause() instanceof RedisCommandExecutionException);
  }

  /**
   * The one retry: waits (polling, on a timer, never blocking) until a connection newer than the
   * one the read failed on is up, then reads again, all within what is left of the budget; past it,
   * the first failure (or a timeout, if the retry itself went unanswered) is the answer. Waiting
   * for a newer connection, not just an open one: a write can fail on a broken pipe before the
   * connection is seen to close.
   */
  private Mono<RedisValue> retryWhenReconnected(
      byte[] key, long deadline, long failedConnection, Throwable first) {
    long now = System.nanoTime();
    long left = deadline - now;
    long down = downSince;
    if (left <= 0 || connection == null || (down != 0 && now - down > timeout.toNanos())) {
      // Out of time, never connected, or down for longer than a reconnect takes: an outage, where
      // failing fast (and answering stale, if allowed) beats waiting.
      return Mono.error(first);
    }
    retries.increment();
    return Flux.interval(Duration.ZERO, RECONNECT_POLL)
        .filter(tick -> connections != failedConnection && isConnected())
        .next()
        .flatMap(up -> getOnce(key))
        .timeout(
            Duration.ofNanos(left),
            Mono.defer(
                () ->
                    Mono.error(
                        isConnected()
                            ? translate(new TimeoutException("retry unanswered"))
                            : first)));
  }

  @Override
  public long retries() {
    return retries.sum();
  }

  /**
   * {@code ASKING} then {@code GET}, written together so that no other command on this connection
   * comes between them: the answer to a cluster's {@code ASK} redirect, which holds for one command
   * on the importing node while a slot migrates.
   */
  Mono<RedisValue> getAsking(byte[] key) {
    return Mono.defer(
        () -> {
          StatefulRedisConnection<byte[], byte[]> current = connection;
          if (current == null) {
            return Mono.error(notConnected());
          }
          ByteArrayCodec codec = ByteArrayCodec.INSTANCE;
          AsyncCommand<byte[], byte[], String> asking =
              new AsyncCommand<>(new Command<>(CommandType.ASKING, new StatusOutput<>(codec)));
          AsyncCommand<byte[], byte[], byte[]> get =
              new AsyncCommand<>(
                  new Command<>(
                      CommandType.GET,
                      new ValueOutput<>(codec),
                      new CommandArgs<>(codec).addKey(key)));
          current.dispatch(List.of(asking, get));
          return guard(Mono.fromCompletionStage(get)).map(RedisValue::withoutTtl);
        });
  }

  @Override
  public Mono<Void> ping() {
    return Mono.defer(
        () -> {
          StatefulRedisConnection<byte[], byte[]> current = connection;
          if (current == null) {
            return Mono.error(notConnected());
          }
          return guard(current.reactive().ping()).then();
        });
  }

  /**
   * Lettuce's own command timeout normally fires first; the Reactor timeout, a little later, is a
   * backstop for a command that never reached Lettuce's timer (for example one caught in a
   * reconnect).
   */
  private <T> Mono<T> guard(Mono<T> command) {
    return translateErrors(command.timeout(timeout.plusMillis(200)));
  }

  /**
   * Lettuce's failures as {@link BackendException}s. The reads of the hot path rely on Lettuce's
   * own command timeout (TimeoutOptions, one wheel timer for every command) rather than adding a
   * Reactor timeout, a scheduled task per miss, as {@link #guard} does for the rare commands.
   */
  private <T> Mono<T> translateErrors(Mono<T> command) {
    return command.onErrorMap(error -> !(error instanceof BackendException), this::translate);
  }

  private BackendException notConnected() {
    return new BackendException(
        BackendException.Kind.UNAVAILABLE, "not connected to Redis at " + address, null);
  }

  private BackendException translate(Throwable error) {
    return translate(error, address, timeout);
  }

  /** A Lettuce failure as the proxy reports it. */
  static BackendException translate(Throwable error, String address, Duration timeout) {
    if (error instanceof RedisCommandTimeoutException || error instanceof TimeoutException) {
      return new BackendException(
          BackendException.Kind.TIMEOUT,
          "Redis at " + address + " did not answer within " + timeout.toMillis() + " ms",
          error);
    }
    if (error instanceof RedisCommandExecutionException) {
      String message = String.valueOf(error.getMessage());
      if (message.startsWith("WRONGTYPE")) {
        return new BackendException(BackendException.Kind.WRONG_TYPE, message, error);
      }
      if (message.startsWith("LOADING")
          || message.startsWith("CLUSTERDOWN")
          || message.startsWith("BUSY")
          || message.startsWith("MASTERDOWN")
          || message.startsWith("NOAUTH")
          || message.startsWith("TRYAGAIN")) {
        return new BackendException(BackendException.Kind.UNAVAILABLE, message, error);
      }
      return new BackendException(BackendException.Kind.ERROR, message, error);
    }
    return new BackendException(
        BackendException.Kind.UNAVAILABLE,
        "Redis at " + address + " is unavailable: " + error.getMessage(),
        error);
  }

  @Override
  public boolean tracksInvalidations() {
    return tracking;
  }

  @Override
  public void listenForInvalidations(InvalidationListener listener) {
    invalidations.setListener(listener);
  }

  @Override
  public boolean isConnected() {
    StatefulRedisConnection<byte[], byte[]> current = connection;
    return current != null && current.isOpen();
  }

  @Override
  public long disconnects() {
    return disconnects.sum();
  }

  @Override
  public void close() {
    closing = true;
    connecting.dispose();
    StatefulRedisConnection<byte[], byte[]> current = connection;
    if (current != null) {
      current.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    if (ownsResources) {
      connectionEvents.dispose();
      resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
