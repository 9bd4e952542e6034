package io.github.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.metrics.RequestRecorder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * How a RESP connection writes: every reply of one read in one buffer and one flush, in command
 * order; nothing after QUIT or a protocol error. (Replies that wait for Redis are covered against a
 * real Redis by RespConcurrencyIT and RespProtocolIT.)
 */
class RespConnectionTest {
  private static final String PING = "*1\r\n$4\r\nPING\r\n";

  private final EmbeddedChannel channel =
      new EmbeddedChannel(
          new RespCommandDecoder(16, 1024),
          new RespConnection(
              new RespCommands(null, AccessControl.off(), null, 0, 0, "lru", 0, () -> 1),
              new RequestRecorder(new SimpleMeterRegistry(), "resp"),
              new AtomicInteger(),
              null));

  @Test
  void aPipelineReadAtOnceIsAnsweredWithOneWrite() {
    channel.writeInbound(bytes(PING.repeat(15) + "*2\r\n$4\r\nECHO\r\n$3\r\nend\r\n"));

    assertThat(channel.outboundMessages()).hasSize(1);
    assertThat(nextWrite()).isEqualTo("+PONG\r\n".repeat(15) + "$3\r\nend\r\n");
  }

  @Test
  void eachReadIsFlushedWhenItEnds() {
    channel.writeInbound(bytes(PING + "*1\r\n$4\r\nPI"));
    channel.writeInbound(bytes("NG\r\n"));

    assertThat(nextWrite()).isEqualTo("+PONG\r\n");
    assertThat(nextWrite()).isEqualTo("+PONG\r\n");
  }

  @Test
  void nothingAfterQuitIsRun() {
    channel.writeInbound(bytes(PING + "*1\r\n$4\r\nQUIT\r\n" + PING));

    assertThat(nextWrite()).isEqualTo("+PONG\r\n+OK\r\n");
    assertThat(channel.outboundMessages()).isEmpty();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aProtocolErrorIsAnsweredAfterTheCommandsBeforeItThenTheConnectionCloses() {
    channel.writeInbound(bytes(PING + "*1\r\n:1\r\n" + PING));

    assertThat(nextWrite()).isEqualTo("+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n");
    assertThat(channel.isOpen()).isFalse();
  }

  /**
   * Replies that are ready at once (here ECHO; in production cached GETs) count against
   * RESP_MAX_PENDING_REPLY_BYTES as they are built, not only when the read ends: a long pipeline of
   * large replies from a client that reads nothing is cut off, not built in memory.
   */
  @Test
  void readyRepliesCountAgainstTheReplyLimitAsTheyAreBuilt() {
    LongAdder closes = new LongAdder();
    EmbeddedChannel limited =
        new EmbeddedChannel(
            new RespCommandDecoder(16, 64 * 1024),
            new RespConnection(
                new RespCommands(null, AccessControl.off(), null, 0, 0, "lru", 0, () -> 1),
                new RequestRecorder(new SimpleMeterRegistry(), "resp"),
                new AtomicInteger(),
                new ReplyBacklog(256 * 1024, closes)));
    String echo = "*2\r\n$4\r\nECHO\r\n$" + 32 * 1024 + "\r\n" + "v".repeat(32 * 1024) + "\r\n";

    limited.writeInbound(bytes(echo.repeat(100))); // 3.2 MB of replies, 256 KB allowed

    assertThat(limited.isOpen()).isFalse();
    assertThat(closes.sum()).isEqualTo(1);
    limited.finishAndReleaseAll();
  }

  private static ByteBuf bytes(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }

  private String nextWrite() {
    ByteBuf written = channel.readOutbound();
    try {
      return written.toString(StandardCharsets.ISO_8859_1);
    } finally {
      written.release();
    }
  }
}
