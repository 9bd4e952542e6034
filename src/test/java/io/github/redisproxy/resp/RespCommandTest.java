package io.github.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespCommandTest {

  private static FullBulkStringRedisMessage bulk(byte[] bytes) {
    return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(bytes));
  }

  private static List<String> words(RespCommand command) {
    return command.args().stream().map(arg -> new String(arg, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void arrayOfBulkStringsBecomesALowerCaseNameAndRawArguments() {
    byte[] binary = {0, (byte) 0xff, '\r', '\n'};
    ArrayRedisMessage message =
        new ArrayRedisMessage(
            List.<RedisMessage>of(bulk("MGet".getBytes(StandardCharsets.UTF_8)), bulk(binary)));
    try {
      RespCommand command = RespCommand.parse(message);
      assertThat(command.name()).isEqualTo("mget");
      assertThat(command.arg(0)).containsExactly(binary);
    } finally {
      message.release();
    }
  }

  @Test
  void emptyCommandsAreIgnored() {
    assertThat(RespCommand.parse(ArrayRedisMessage.EMPTY_INSTANCE)).isNull();
    assertThat(RespCommand.parse(new InlineCommandRedisMessage("   "))).isNull();
  }

  @Test
  void anArrayHoldingAnythingButBulkStringsIsAProtocolError() {
    ArrayRedisMessage message =
        new ArrayRedisMessage(List.<RedisMessage>of(new IntegerRedisMessage(1)));
    try {
      assertThatThrownBy(() -> RespCommand.parse(message))
          .isInstanceOf(RespProtocolException.class);
    } finally {
      message.release();
    }
  }

  @Test
  void inlineCommandsSplitOnSpacesAndHonourQuotes() {
    RespCommand command =
        RespCommand.parse(
            new InlineCommandRedisMessage("GET   \"key with space\" 'single' \"a\\x41\\n\""));
    assertThat(command.name()).isEqualTo("get");
    assertThat(words(command)).containsExactly("key with space", "single", "aA\n");
  }

  @Test
  void unbalancedQuotesAreAProtocolError() {
    assertThatThrownBy(() -> RespCommand.parse(new InlineCommandRedisMessage("GET \"open")))
        .isInstanceOf(RespProtocolException.class);
    assertThatThrownBy(() -> RespCommand.parse(new InlineCommandRedisMessage("GET \"a\"b")))
        .isInstanceOf(RespProtocolException.class);
  }
}
