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
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/**
 * The Redis-protocol port (RESP2, and inline commands as typed into {@code nc}) in front of the
 * same {@link LookupService} that HTTP uses. Reactor Netty binds the port, applies TLS, the
 * connection limits and the idle timeout; each connection's commands are decoded by {@link
 * RespCommandDecoder} and answered, in order and with one flush per read, by {@link
 * RespConnection}.
 */
public final class RespFrontEnd {
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
    ReplyBacklog backlog =
        config.maxPendingReplyBytes() > 0
            ? new ReplyBacklog(config.maxPendingReplyBytes(), replyBufferCloses)
            : null;
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
              // Decoding and answering are the last handlers before Reactor Netty's bridge, which
              // sees no command: RespConnection answers each on the event loop (see there why).
              channel
                  .pipeline()
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-decoder",
                      new RespCommandDecoder(config.maxArrayLength(), config.maxBulkLength()))
                  .addBefore(
                      NettyPipeline.ReactiveBridge,
                      "resp-connection",
                      new RespConnection(commands, requests, inFlight, backlog));
            })
        .doOnConnection(
            connection -> {
              connections.incrementAndGet();
              connection.onDispose(connections::decrementAndGet);
              if (!idle.isZero()) {
                connection.onReadIdle(idle.toMillis(), connection::dispose); // a silent client
              }
            })
        // The connection lives until either side closes it; its handler does the rest.
        .handle((in, out) -> Mono.never())
        .bindNow();
  }

  /** Commands received and waiting for their reply (a load), over all connections. */
  public int inFlight() {
    return inFlight.get();
  }
}
