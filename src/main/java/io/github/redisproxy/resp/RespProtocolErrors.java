package io.github.redisproxy.resp;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last RESP handler before Reactor Netty: a client that breaks the protocol (garbage bytes, a length beyond the
 * bounds, an over-long inline line) gets {@code -ERR Protocol error: …}, like Redis answers, and is disconnected.
 */
final class RespProtocolErrors extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RespProtocolErrors.class);

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    log.debug("RESP protocol error from {}: {}", ctx.channel().remoteAddress(), reason.toString());
    if (!ctx.channel().isActive()) {
      return;
    }
    String message = reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
    ctx.writeAndFlush(RespReplies.error("ERR Protocol error: " + message)).addListener(ChannelFutureListener.CLOSE);
  }
}
