package io.github.redisproxy.resp;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One command as a client sent it: its name and its arguments, copied out of Netty's buffers so
 * that it outlives them.
 *
 * @param name the command name in lower case, as Redis quotes it in error messages
 * @param args the arguments after the name, as raw bytes
 */
record RespCommand(String name, List<byte[]> args) {

  /**
   * A command, or {@code null} for an empty one (an empty array or a blank inline line), which
   * Redis ignores.
   */
  static RespCommand parse(Object message) {
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
      throw new RespProtocolException(
          "expected '*' or an inline command, got " + message.getClass().getSimpleName());
    }
    if (words.isEmpty()) {
      return null;
    }
    String name = new String(words.get(0), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    return new RespCommand(name, List.copyOf(words.subList(1, words.size())));
  }

  byte[] arg(int index) {
    return args.get(index);
  }

  String argText(int index) {
    return new String(args.get(index), StandardCharsets.UTF_8);
  }
}
