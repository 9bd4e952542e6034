package io.github.redisproxy.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part of the oracle in {@link NettyRespCodec}, as the RESP port used it: the last RESP handler
 * before Reactor Netty. When a client breaks the protocol (garbage bytes, a length beyond the
 * bounds, an over-long inline line), it stops reading and passes one {@link ProtocolError} on in
 * place of the command, so that the connection's reply stream answers every command that came
 * before, then {@code -ERR Protocol error: …}, and closes, as Redis does. Anything decoded after
 * the error is dropped.
 */
final class RespProtocolErrors extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RespProtocolErrors.class);

  /** Stands in the command stream where the protocol was broken. */
  record ProtocolError(String message) {}

  private boolean broken;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (broken) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (broken) {
      return;
    }
    broken = true;
    Throwable reason =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    log.debug("RESP protocol error from {}: {}", ctx.channel().remoteAddress(), reason.toString());
    ctx.channel().config().setAutoRead(false);
    String message =
        reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
    ctx.fireChannelRead(new ProtocolError(message));
  }
}
