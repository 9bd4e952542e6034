package io.github.redisproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
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
 * <p>Two handlers on the channel's event loop: this one, in front of the HTTP codec, arms the
 * deadline on the bytes that start a request; a {@link HeadersDecoded} behind the codec disarms it
 * when the codec emits the request's headers. Disarming there, not in the route, matters: a
 * pipelined request whose headers arrived whole may wait longer than the timeout for the response
 * before it, and is not a slow client. Between a request's last byte and the next request's first,
 * nothing is armed, so only IDLE_TIMEOUT applies to an idle keep-alive connection.
 *
 * <p>Once a connection speaks HTTP/2 (prior knowledge, h2c upgrade or ALPN) both handlers leave:
 * frames of other streams keep arriving between requests, and Netty's HTTP/2 codec bounds headers
 * itself; IDLE_TIMEOUT still applies.
 */
final class RequestHeaderDeadline extends ChannelInboundHandlerAdapter {
  private static final String NAME = "redis-proxy-request-header-deadline";
  private static final String DECODED = "redis-proxy-request-headers-decoded";

  private final long timeoutNanos;
  private final LongAdder closed;
  // All touched on the channel's event loop only.
  private long armedAt; // System.nanoTime() of the first byte of headers not yet decoded; 0: none
  private ScheduledFuture<?> check; // the next look at armedAt, if one is scheduled
  private boolean betweenRequests = true; // false from a request's headers to its last byte
  // Whether the HeadersDecoded is in place: kept, so that reads need not search the pipeline for
  // it.
  private boolean decoding;

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

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
    ChannelPipeline pipeline = ctx.pipeline();
    if (!decoding) {
      if (speaksHttp2(pipeline)) { // over TLS, ALPN chose h2 before the first byte of a request
        ctx.fireChannelRead(message);
        leave(pipeline);
        return;
      }
      if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
        // Not at install: over TLS, the HTTP/1.1 handlers are added once ALPN has chosen.
        pipeline.addBefore(NettyPipeline.HttpTrafficHandler, DECODED, new HeadersDecoded());
        decoding = true;
      }
    }
    if (armedAt == 0 && betweenRequests && message instanceof ByteBuf bytes && bytes.isReadable()) {
      arm(ctx);
    }
    ctx.fireChannelRead(message);
    // A prior-knowledge preface or an h2c upgrade switches the pipeline to HTTP/2 during the read.
    if (speaksHttp2(pipeline)) {
      leave(pipeline);
    }
  }

  /** Removes this handler, which disarms it and removes its {@link HeadersDecoded}. */
  private void leave(ChannelPipeline pipeline) {
    if (pipeline.context(this) != null) { // not already gone with a closed channel
      pipeline.remove(this);
    }
  }

  /**
   * Starts the clock for this request's headers. A timer is scheduled only when none is pending: on
   * a keep-alive connection the one scheduled for an earlier request, which fires at its deadline,
   * looks at the current request's start and schedules itself again for what is left, so a stream
   * of quick requests costs a timer per timeout period, not one per request (the way Netty's
   * IdleStateHandler works).
   */
  private void arm(ChannelHandlerContext ctx) {
    armedAt = System.nanoTime();
    if (check == null) {
      schedule(ctx, timeoutNanos);
    }
  }

  private void schedule(ChannelHandlerContext ctx, long delayNanos) {
    check = ctx.executor().schedule(() -> look(ctx), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void look(ChannelHandlerContext ctx) {
    check = null;
    if (armedAt == 0) {
      return; // the headers came in time; the next request's first byte schedules again
    }
    long left = armedAt + timeoutNanos - System.nanoTime();
    if (left > 0) {
      schedule(ctx, left);
      return;
    }
    armedAt = 0;
    closed.increment();
    ctx.close();
  }

  private static boolean speaksHttp2(ChannelPipeline pipeline) {
    return pipeline.get(NettyPipeline.H2MultiplexHandler) != null;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stop();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
    if (ctx.pipeline().get(DECODED) != null) {
      ctx.pipeline().remove(DECODED);
    }
  }

  /** The headers were decoded in time; a pending timer stays, to be reused (see {@link #arm}). */
  private void disarm() {
    armedAt = 0;
  }

  /** The connection closed or left HTTP/1.1: no timer may outlive it. */
  private void stop() {
    armedAt = 0;
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }

  /** Behind the HTTP/1.1 codec: sees each request's headers, decoded, and its last content. */
  private final class HeadersDecoded extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (message instanceof HttpRequest) {
        disarm();
        betweenRequests = false;
      }
      // After the headers: a request the codec could not decode is a FullHttpRequest, both.
      if (message instanceof LastHttpContent) {
        betweenRequests = true;
      }
      ctx.fireChannelRead(message);
    }
  }
}
