package io.github.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;

/**
 * Replies to RESP2 bytes, appended to the one buffer that carries every reply of a read batch.
 * Netty's {@code RedisEncoder} writes each reply as several buffers of its own (header, content,
 * CRLF), so a pipeline of sixteen GETs became some fifty buffers for one socket write; here it is
 * one. The bytes are the same as Netty's encoder writes, which the differential test checks.
 */
final class RespReplyEncoder {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] NULL_BULK = {'$', '-', '1', '\r', '\n'};
  private static final byte[] NULL_ARRAY = {'*', '-', '1', '\r', '\n'};

  private RespReplyEncoder() {}

  /** Appends {@code reply} to {@code out}; the reply is not released. */
  static void encode(RedisMessage reply, ByteBuf out) {
    if (reply instanceof FullBulkStringRedisMessage bulk) {
      if (bulk.isNull()) {
        out.writeBytes(NULL_BULK);
        return;
      }
      ByteBuf content = bulk.content();
      out.writeByte('$');
      writeDecimal(content.readableBytes(), out);
      out.writeBytes(CRLF);
      out.writeBytes(content, content.readerIndex(), content.readableBytes());
      out.writeBytes(CRLF);
    } else if (reply instanceof SimpleStringRedisMessage simple) {
      out.writeByte('+');
      ByteBufUtil.writeUtf8(out, simple.content());
      out.writeBytes(CRLF);
    } else if (reply instanceof ErrorRedisMessage error) {
      out.writeByte('-');
      ByteBufUtil.writeUtf8(out, error.content());
      out.writeBytes(CRLF);
    } else if (reply instanceof IntegerRedisMessage integer) {
      out.writeByte(':');
      writeDecimal(integer.value(), out);
      out.writeBytes(CRLF);
    } else if (reply instanceof ArrayRedisMessage array) {
      if (array.isNull()) {
        out.writeBytes(NULL_ARRAY);
        return;
      }
      out.writeByte('*');
      writeDecimal(array.children().size(), out);
      out.writeBytes(CRLF);
      for (RedisMessage child : array.children()) {
        encode(child, out);
      }
    } else {
      throw new IllegalArgumentException("not a RESP2 reply: " + reply.getClass().getName());
    }
  }

  private static void writeDecimal(long value, ByteBuf out) {
    if (value >= 0 && value < 10) {
      out.writeByte('0' + (int) value);
      return;
    }
    out.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
  }
}
