package io.github.redisproxy.resp;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Building RESP2 replies. Bulk strings wrap their bytes; nothing is copied. */
final class RespReplies {
  static final RedisMessage OK = new SimpleStringRedisMessage("OK");
  static final RedisMessage PONG = new SimpleStringRedisMessage("PONG");
  static final RedisMessage NIL = FullBulkStringRedisMessage.NULL_INSTANCE;
  static final RedisMessage EMPTY_ARRAY = ArrayRedisMessage.EMPTY_INSTANCE;

  private RespReplies() {}

  static RedisMessage bulk(byte[] bytes) {
    return bytes.length == 0
        ? FullBulkStringRedisMessage.EMPTY_INSTANCE
        : new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(bytes));
  }

  static RedisMessage bulk(String text) {
    return bulk(text.getBytes(StandardCharsets.UTF_8));
  }

  static RedisMessage integer(long value) {
    return new IntegerRedisMessage(value);
  }

  /**
   * An error reply; {@code text} starts with its code, e.g. {@code ERR ...} or {@code WRONGTYPE
   * ...}.
   */
  static RedisMessage error(String text) {
    return new ErrorRedisMessage(text.replace('\r', ' ').replace('\n', ' '));
  }

  static RedisMessage array(List<RedisMessage> elements) {
    return elements.isEmpty() ? EMPTY_ARRAY : new ArrayRedisMessage(elements);
  }

  /**
   * An array of bulk strings, or of nested arrays for {@code List} elements and integers for {@code
   * Long}s.
   */
  static RedisMessage arrayOf(Object... elements) {
    List<RedisMessage> messages = new ArrayList<>(elements.length);
    for (Object element : elements) {
      messages.add(toMessage(element));
    }
    return array(messages);
  }

  private static RedisMessage toMessage(Object element) {
    if (element instanceof RedisMessage message) {
      return message;
    }
    if (element instanceof Long number) {
      return integer(number);
    }
    if (element instanceof Integer number) {
      return integer(number);
    }
    if (element instanceof List<?> list) {
      return arrayOf(list.toArray());
    }
    return bulk(String.valueOf(element));
  }
}
