package io.github.redisproxy.resp;

import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.RespConfig;
import io.github.redisproxy.config.ServerConfig;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.metrics.ConnectionLimit;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.github.redisproxy.metrics.RequestRecorder;
import io.github.redisproxy.tls.ServerTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.NettyPipeline;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/**
 * The Redis-protocol port: Netty's Redis codec (RESP2, and inline commands as typed into {@code
 * nc}) in front of the same {@link LookupService} that HTTP uses.
 *
 * <p>Each connection is one {@code Flux}: decoded commands in, replies out. {@code
 * flatMapSequential} runs the commands of a pipeline concurrently (so the misses in one pipeline
 * load in parallel) yet emits the replies in command order, even when a later hit finishes before
 * an earlier miss.
 */
public final class RespFrontEnd {
  private static final Logger log = LoggerFactory.getLogger(RespFrontEnd.class);

  /** Longest inline command line, as in Redis (64 KB). */
  private static final int MAX_INLINE_LENGTH = 64 * 1024;

  /**
   * Commands of one connection that may be in progress at once; beyond that the connection is not
   * read.
   */
  private static final int MAX_PIPELINED = 1024;

  private static final String REPLY_BACKLOG = "resp-reply-backlog";

  private final LookupService lookups;
  private final AccessControl access;
  private final Backend backend;
  private final CacheConfig cacheConfig;
  private final RequestRecorder requests;
  private final AtomicInteger connections = new AtomicInteger();
  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder replyBufferCloses = new LongAdder();

  /**
   * A RESP front end over {@code lookups}; {@code backend} is only asked what it is, for {@code
   * INFO}.
   */
  public RespFrontEnd(
      LookupService lookups,
      AccessControl access,
      Backend backend,
      CacheConfig cacheConfig,
      MeterRegistry registry) {
    this.lookups = lookups;
    this.access = access;
    this.backend = backend;
    this.cacheConfig = cacheConfig;
    this.registry = registry;
    this.requests = new RequestRecorder(registry, "resp");
    Meters.frontEnd(registry, "resp", inFlight, connections);
    Meters.counter(
        registry,
        MeterNames.REPLY_BUFFER_CLOSES,
        "RESP connections closed because more than RESP_MAX_PENDING_REPLY_BYTES of replies waited for the client",
        replyBufferCloses,
        LongAdder::sum);
  }

  /**
   * Binds the RESP port and returns once it accepts connections; {@code server} gives the bind
   * address and the connection limits (MAX_CONNECTIONS, IDLE_TIMEOUT) the two client ports share.
   */
  public DisposableServer bind(
      ServerConfig server, RespConfig config, LoopResources loops, Optional<ServerTls> tls) {
    String bindAddress = server.bindAddress();
    ConnectionLimit limit = new ConnectionLimit(registry, "resp", server.maxConnections());
    Duration idle = server.idleTimeout();
    RespCommands commands =
        new RespCommands(
            lookups,
            access,
            backend,
            cacheConfig.capacity(),
            cacheConfig.maxBytes(),
            cacheConfig.policy().configName(),
            config.port(),
            connections::get);
    TcpServer tcp = TcpServer.create();
    if (tls.isPresent()) {
      tcp =
          tls.get().secure(tcp, registry); // TLS goes first in the pipeline, before the codec below
    }
    return tcp.runOn(loops)
        .host(bindAddress)
        .port(config.port())
        // The codec goes in when the channel is initialised, before a single byte can be read.
        .doOnChannelInit(
            (observer, channel, remoteAddress) -> {
              if (!limit.admit(channel)) {
                return;
              }
              channel
                  .pipeline()
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-inline-line-endings",
                      new InlineLineEndings())
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-decoder",
                      new RedisDecoder(MAX_INLINE_LENGTH, FixedRedisMessagePool.INSTANCE, true))
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-limits",
                      new RespLengthLimits(config.maxArrayLength(), config.maxBulkLength()))
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-bulk-aggregator",
                      new RedisBulkStringAggregator())
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-array-aggregator",
                      new RedisArrayAggregator(config.maxArrayLength(), 1))
                  .addBefore(NettyPipeline.ReactiveBridge, "resp-encoder", new RedisEncoder())
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-protocol-errors",
                      new RespProtocolErrors());
              if (config.maxPendingReplyBytes() > 0) {
                // On the replies' side of the encoder: it counts replies, not their bytes.
                channel
                    .pipeline()
                    .addBefore(
                        NettyPipeline.ReactiveBridge,
                        REPLY_BACKLOG,
                        new ReplyBacklog(config.maxPendingReplyBytes(), replyBufferCloses));
              }
            })
        .doOnConnection(
            connection -> {
              connections.incrementAndGet();
              connection.onDispose(connections::decrementAndGet);
              if (!idle.isZero()) {
                connection.onReadIdle(idle.toMillis(), connection::dispose); // a silent client
              }
            })
        .handle((in, out) -> serve(in, out, commands))
        .bindNow();
  }

  private Publisher<Void> serve(NettyInbound in, NettyOutbound out, RespCommands commands) {
    RespSession session = new RespSession();
    ReplyBacklog[] backlog = new ReplyBacklog[1];
    in.withConnection(
        connection ->
            backlog[0] = (ReplyBacklog) connection.channel().pipeline().get(REPLY_BACKLOG));
    Flux<RedisMessage> replies =
        in.receiveObject()
            // Parsing copies the arguments out of Netty's buffers, which are released when this
            // returns.
            .mapNotNull(RespCommand::parse)
            // DelayError: when the protocol breaks, the commands before it are still answered, then
            // the error.
            .flatMapSequentialDelayError(
                command -> {
                  long start = System.nanoTime();
                  inFlight.incrementAndGet();
                  return commands
                      .execute(command, session)
                      .onErrorResume(RespFrontEnd::internalError)
                      .doOnNext(
                          reply -> {
                            if (backlog[0] != null) {
                              backlog[0].produced(reply);
                            }
                          })
                      .doOnNext(
                          reply ->
                              requests.record(
                                  commands.meterName(command),
                                  reply instanceof ErrorRedisMessage ? "error" : "ok",
                                  start))
                      .doFinally(signal -> inFlight.decrementAndGet());
                },
                MAX_PIPELINED,
                1)
            .takeUntil(reply -> reply == RespCommands.QUIT_OK)
            .onErrorResume(
                RespProtocolException.class,
                error -> Flux.just(RespReplies.error("ERR Protocol error: " + error.getMessage())));
    return out.sendObject(replies);
  }

  /** A failure no command expects (a bug): answered, logged, and the connection carries on. */
  private static Mono<RedisMessage> internalError(Throwable error) {
    log.error("Unexpected failure while serving a RESP command", error);
    return Mono.just(RespReplies.error("ERR internal error: " + error));
  }

  /** Commands received and not yet answered, over all connections. */
  public int inFlight() {
    return inFlight.get();
  }
}
