package io.github.redisproxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import reactor.netty.NettyPipeline;

/**
 * REQUEST_HEADER_TIMEOUT on one connection, against slowloris: from the first byte of a request,
 * its headers must be complete within the timeout, or the connection is closed. A client that
 * trickles a byte every few seconds keeps IDLE_TIMEOUT from firing, but not this.
 *
 * <p>Bytes arm the deadline; the route, which runs once the request's headers are decoded, disarms
 * it. Between keep-alive requests nothing is armed, so only IDLE_TIMEOUT applies. Once a connection
 * speaks HTTP/2 the deadline is removed: frames of other streams keep arriving between requests,
 * and Netty's HTTP/2 codec bounds headers itself.
 */
final class RequestHeaderDeadline extends ChannelInboundHandlerAdapter {
  private static final String NAME = "redis-proxy-request-header-deadline";

  private final long timeoutNanos;
  private final LongAdder closed;
  private ScheduledFuture<?> deadline; // touched on the channel's event loop only

  private RequestHeaderDeadline(Duration timeout, LongAdder closed) {
    this.timeoutNanos = timeout.toNanos();
    this.closed = closed;
  }

  /** At channel initialisation: right behind TLS if there is TLS, else first. */
  static void install(ChannelPipeline pipeline, Duration timeout, LongAdder closed) {
    RequestHeaderDeadline handler = new RequestHeaderDeadline(timeout, closed);
    if (pipeline.get(NettyPipeline.SslReader) != null) {
      pipeline.addAfter(NettyPipeline.SslReader, NAME, handler);
    } else {
      pipeline.addFirst(NAME, handler);
    }
  }

  /**
   * A request's headers have been decoded on {@code channel}: an HTTP/1.1 connection, or an HTTP/2
   * stream, whose connection then needs the deadline no more.
   */
  static void headersComplete(Channel channel) {
    // Not channel.parent() alone: an accepted TCP channel's parent is the listening socket.
    boolean stream = channel instanceof Http2StreamChannel;
    Channel connection = stream ? channel.parent() : channel;
    if (!(connection.pipeline().get(NAME) instanceof RequestHeaderDeadline handler)) {
      return;
    }
    handler.disarm();
    if (stream) {
      connection.pipeline().remove(handler);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
    if (deadline == null) {
      deadline =
          ctx.executor()
              .schedule(
                  () -> {
                    closed.increment();
                    ctx.close();
                  },
                  timeoutNanos,
                  TimeUnit.NANOSECONDS);
    }
    super.channelRead(ctx, message);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    disarm();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm();
  }

  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
