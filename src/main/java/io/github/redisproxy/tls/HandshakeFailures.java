package io.github.redisproxy.tls;

import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;

/**
 * Counts the connections of one port whose TLS handshake failed: clear text, a protocol older than
 * TLS 1.2, no or an untrusted client certificate. They are counted rather than logged (DEBUG only),
 * because any client can cause one per connection.
 */
@ChannelHandler.Sharable
final class HandshakeFailures extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HandshakeFailures.class);

  private final LongAdder failures = new LongAdder();
  private final String frontEnd;

  HandshakeFailures(MeterRegistry registry, String frontEnd) {
    this.frontEnd = frontEnd;
    Meters.counter(
        registry,
        MeterNames.TLS_HANDSHAKE_FAILURES,
        "Connections closed because their TLS handshake failed",
        failures,
        LongAdder::sum,
        "frontend",
        frontEnd);
  }

  /**
   * Right behind TLS: the protocol handlers further on (HTTP/1.1's, for one) do not pass the
   * handshake events along.
   */
  void addTo(ChannelPipeline pipeline) {
    String tls =
        pipeline.get(NettyPipeline.SslReader) != null
            ? NettyPipeline.SslReader
            : NettyPipeline.SslHandler;
    pipeline.addAfter(tls, "redis-proxy-tls-handshake-failures", this);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    // The server-name step reads the client's first record: clear text fails there, before a
    // handshake starts; a handshake that starts and fails is reported by the other event.
    if ((event instanceof SniCompletionEvent || event instanceof SslHandshakeCompletionEvent)
        && !((SslCompletionEvent) event).isSuccess()) {
      failures.increment();
      log.debug(
          "TLS handshake failed on the {} port from {}: {}",
          frontEnd,
          ctx.channel().remoteAddress(),
          PemReader.oneLine(((SslCompletionEvent) event).cause()));
    }
    super.userEventTriggered(ctx, event);
  }
}
