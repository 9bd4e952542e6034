package io.github.redisproxy.loadtest;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The command {@code GET {prefix}{n}} with Lettuce, one command at a time on each connection.
 *
 * <p>A Lettuce connection pipelines: commands sent while one is outstanding queue behind it on the
 * same socket. So that "N connections" means N requests in flight, as over HTTP, each request takes
 * a connection of its own from a pool of idle ones, opens a new one when none is idle, and gives it
 * back when the answer has come. The generator never has more than {@code --connections} requests
 * in flight, which bounds the pool. A connection whose request failed or timed out is closed, not
 * given back: it may still owe an answer.
 *
 * <p>A value is an answer with no error; nil (the key is absent) is an error of kind {@code nil},
 * as HTTP's 404 is one of kind {@code 404}; an error reply is an error of kind {@code -} and its
 * first word ({@code -ERR}, {@code -WRONGTYPE}). RESP answers do not say whether the cache had the
 * key.
 */
final class RespTarget implements Target {
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private final String address;
  private final String keyPrefix;
  private final Duration timeout;
  private final RedisURI uri;
  private final ClientResources resources;
  private final RedisClient client;
  private final Queue<StatefulRedisConnection<byte[], byte[]>> idle = new ConcurrentLinkedQueue<>();

  RespTarget(LoadTestOptions options) {
    this.address = options.url().toString();
    this.keyPrefix = options.keyPrefix();
    this.timeout = options.timeout();
    String host = options.url().getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    this.uri =
        RedisURI.builder()
            .withHost(host)
            .withPort(options.url().getPort())
            .withTimeout(options.timeout())
            .build();
    // As many event loops as the HTTP side has, but not fewer than Lettuce's minimum of 2 for
    // either pool.
    int threads =
        Math.max(2, Math.min(options.connections(), Runtime.getRuntime().availableProcessors()));
    this.resources =
        ClientResources.builder()
            .ioThreadPoolSize(threads)
            .computationThreadPoolSize(2)
            // Daemon threads named like the HTTP side's, so that a thread dump tells them from a
            // proxy's.
            .threadFactoryProvider(pool -> new DefaultThreadFactory("loadtest-" + pool, true))
            .build();
    this.client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            // RESP2 from the start: Lettuce's default handshake asks for RESP3 (HELLO 3), which the
            // proxy refuses
            // with NOPROTO before Lettuce falls back, one wasted round trip per connection.
            .protocolVersion(ProtocolVersion.RESP2)
            // A connection that breaks fails its command (an error of kind io) and is replaced by a
            // new one on the next request, as over HTTP, instead of Lettuce reconnecting it and
            // queueing commands meanwhile.
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            // The generator times every request out itself (connecting included); this only backs
            // it up.
            .timeoutOptions(TimeoutOptions.enabled(options.timeout()))
            .socketOptions(SocketOptions.builder().connectTimeout(options.timeout()).build())
            .build());
  }

  /**
   * Opens the first connection and sends it a {@code PING}. On a cold JVM Lettuce's first
   * connection takes seconds (class loading, its threads starting); made before the clock starts,
   * that is not charged to the first requests (nor does it hold up the start of the other
   * closed-loop workers). The connection then serves requests like any other.
   */
  @Override
  public void prepare() {
    try {
      StatefulRedisConnection<byte[], byte[]> connection =
          client
              .connectAsync(ByteArrayCodec.INSTANCE, uri)
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        connection.async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        idle.offer(connection);
      } catch (ExecutionException | TimeoutException e) {
        connection.closeAsync();
      }
    } catch (ExecutionException | TimeoutException e) {
      // The requests will meet this failure and count it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public Mono<Answer> get(int key) {
    return Mono.usingWhen(
            acquire(),
            connection -> command(connection, key),
            connection -> Mono.fromRunnable(() -> release(connection)),
            (connection, failure) -> Mono.fromRunnable(() -> connection.closeAsync()),
            connection -> Mono.fromRunnable(() -> connection.closeAsync()))
        .onErrorMap(RespTarget::translate);
  }

  private Mono<Answer> command(StatefulRedisConnection<byte[], byte[]> connection, int key) {
    byte[] name = (keyPrefix + key).getBytes(StandardCharsets.UTF_8);
    return Mono.fromCompletionStage(() -> connection.async().get(name))
        .map(value -> Answer.VALUE)
        .defaultIfEmpty(Answer.error("nil")) // a nil reply completes the command with null
        .onErrorResume(
            RedisCommandExecutionException.class,
            reply -> Mono.just(Answer.error(errorKind(reply))));
  }

  /**
   * {@code -ERR}, {@code -WRONGTYPE}, ...: the error reply's first word, as it stands on the wire.
   */
  static String errorKind(RedisCommandExecutionException reply) {
    String message = reply.getMessage() == null ? "" : reply.getMessage().strip();
    int space = message.indexOf(' ');
    return "-" + (space < 0 ? message : message.substring(0, space));
  }

  /** An idle connection, else a new one. */
  private Mono<StatefulRedisConnection<byte[], byte[]>> acquire() {
    return Mono.defer(
        () -> {
          StatefulRedisConnection<byte[], byte[]> connection;
          while ((connection = idle.poll()) != null) {
            if (connection.isOpen()) {
              return Mono.just(connection);
            }
          }
          return connect();
        });
  }

  private Mono<StatefulRedisConnection<byte[], byte[]>> connect() {
    return Mono.create(
        sink -> {
          // Whoever takes this first owns the connection: the request when it is made, or a
          // cancellation (the request timed out while connecting), which closes it once it is made.
          AtomicBoolean taken = new AtomicBoolean();
          var connecting = client.connectAsync(ByteArrayCodec.INSTANCE, uri);
          sink.onCancel(
              () -> {
                if (taken.compareAndSet(false, true)) {
                  connecting.thenAccept(StatefulRedisConnection::closeAsync);
                }
              });
          connecting.whenComplete(
              (connection, failure) -> {
                if (failure instanceof CompletionException && failure.getCause() != null) {
                  sink.error(failure.getCause());
                } else if (failure != null) {
                  sink.error(failure);
                } else if (taken.compareAndSet(false, true)) {
                  sink.success(connection);
                }
              });
        });
  }

  private void release(StatefulRedisConnection<byte[], byte[]> connection) {
    if (connection.isOpen()) {
      idle.offer(connection);
    }
  }

  /**
   * Lettuce's failures in the terms {@link LoadGenerator#kind} reads: timeout, connect, else io.
   */
  private static Throwable translate(Throwable failure) {
    if (failure instanceof RedisCommandTimeoutException) {
      return new TimeoutException(failure.getMessage());
    }
    if (failure instanceof RedisConnectionException) {
      ConnectException connect = new ConnectException(failure.getMessage());
      connect.initCause(failure);
      return connect;
    }
    return failure;
  }

  /** Lettuce spreads its connections over its event loops itself. */
  @Override
  public Scheduler workerStart() {
    return Schedulers.immediate();
  }

  @Override
  public String description() {
    return address + " GET " + keyPrefix + "{n}";
  }

  @Override
  public boolean answersTellHits() {
    return false;
  }

  @Override
  public void close() {
    idle.clear();
    // Closes every connection still open, then the client's threads.
    client.shutdown(Duration.ZERO, SHUTDOWN_TIMEOUT);
    try {
      resources
          .shutdown(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Daemon threads: they cannot keep the JVM alive, and the run's numbers are already taken.
    }
  }
}
