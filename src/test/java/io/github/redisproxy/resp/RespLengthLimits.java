package io.github.redisproxy.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Part of the oracle in {@link NettyRespCodec}, as the RESP port used it.
 *
 * <p>Refuses a declared array or bulk-string length beyond the configured bounds as soon as the
 * header is decoded, before the aggregators buffer anything; {@link RespProtocolErrors} then
 * answers and closes the connection.
 */
final class RespLengthLimits extends ChannelInboundHandlerAdapter {
  private final long maxArrayLength;
  private final long maxBulkLength;

  RespLengthLimits(long maxArrayLength, long maxBulkLength) {
    this.maxArrayLength = maxArrayLength;
    this.maxBulkLength = maxBulkLength;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ArrayHeaderRedisMessage header && header.length() > maxArrayLength) {
      throw new RespProtocolException("invalid multibulk length");
    }
    if (msg instanceof BulkStringHeaderRedisMessage header
            && header.bulkStringLength() > maxBulkLength
        || msg instanceof FullBulkStringRedisMessage full
            && full.content().readableBytes() > maxBulkLength) {
      ReferenceCountUtil.release(msg);
      throw new RespProtocolException("invalid bulk length");
    }
    ctx.fireChannelRead(msg);
  }
}
