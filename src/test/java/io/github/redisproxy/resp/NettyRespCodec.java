package io.github.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracle for {@link RespCommandDecoder} and {@link RespReplyEncoder}: Netty's Redis codec, set
 * up exactly as the RESP port used it before they replaced it (with {@link InlineLineEndings},
 * {@link RespLengthLimits} and {@link RespProtocolErrors}, which now live here).
 */
final class NettyRespCodec {
  /** What a stream of bytes decoded to: its commands, and whether the protocol broke after them. */
  record Decoded(List<RespCommand> commands, boolean broken) {}

  private NettyRespCodec() {}

  /** Feeds {@code chunks} in order, as separate reads, through Netty's decoder and aggregators. */
  static Decoded decode(List<byte[]> chunks, int maxArrayLength, int maxBulkLength) {
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new InlineLineEndings(),
            new RedisDecoder(
                RespCommandDecoder.MAX_INLINE_LENGTH, FixedRedisMessagePool.INSTANCE, true),
            new RespLengthLimits(maxArrayLength, maxBulkLength),
            new RedisBulkStringAggregator(),
            new RedisArrayAggregator(maxArrayLength, 1),
            new RespProtocolErrors());
    List<RespCommand> commands = new ArrayList<>();
    try {
      for (byte[] chunk : chunks) {
        channel.writeInbound(
            Unpooled.copiedBuffer(chunk)); // a decoder may move bytes in its buffer
        for (Object message; (message = channel.readInbound()) != null; ) {
          try {
            RespCommand command = parse(message);
            if (command != null) {
              commands.add(command);
            }
          } catch (RespProtocolException e) {
            return new Decoded(commands, true);
          } finally {
            ReferenceCountUtil.release(message);
          }
        }
      }
      return new Decoded(commands, false);
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  /** The bytes Netty's encoder writes for {@code reply}. */
  static byte[] encode(RedisMessage reply) {
    EmbeddedChannel channel = new EmbeddedChannel(new RedisEncoder());
    try {
      channel.writeOutbound(ReferenceCountUtil.retain(reply));
      ByteBuf all = Unpooled.buffer();
      for (ByteBuf part; (part = channel.readOutbound()) != null; ) {
        all.writeBytes(part);
        part.release();
      }
      return ByteBufUtil.getBytes(all);
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  /** How the RESP port turned an aggregated message into a command (or a protocol error). */
  private static RespCommand parse(Object message) {
    List<byte[]> words = new ArrayList<>();
    if (message instanceof ArrayRedisMessage array) {
      for (RedisMessage child : array.children()) {
        if (!(child instanceof FullBulkStringRedisMessage bulk) || bulk.isNull()) {
          throw new RespProtocolException("expected an array of bulk strings");
        }
        words.add(ByteBufUtil.getBytes(bulk.content()));
      }
    } else if (message instanceof InlineCommandRedisMessage inline) {
      words.addAll(InlineSplitter.split(inline.content()));
    } else if (message instanceof RespProtocolErrors.ProtocolError error) {
      throw new RespProtocolException(error.message());
    } else {
      throw new RespProtocolException("expected '*' or an inline command");
    }
    return RespCommand.of(words);
  }
}
