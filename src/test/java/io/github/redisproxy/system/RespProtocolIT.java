package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The RESP wire protocol at its edges, over a plain socket: inline commands, lengths beyond the
 * configured bounds (this class's proxy allows bulk strings of 16 bytes and commands of 4
 * elements), and bytes that are not RESP. A client that breaks the protocol gets {@code -ERR
 * Protocol error: ...} and is disconnected, like Redis does; the proxy serves the next connection
 * as before, and leaks no buffer (checked after all tests).
 */
class RespProtocolIT {
  private static final int MAX_BULK = 16;
  private static final int MAX_ARRAY = 4;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("RESP_MAX_BULK_LENGTH", Integer.toString(MAX_BULK))
          .env("RESP_MAX_ARRAY_LENGTH", Integer.toString(MAX_ARRAY))
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .resp()
          .build();

  /** Inline commands as typed into telnet are answered. */
  @Test
  void inlineCommandsAreAnswered() {
    redis.commands().set("inline:key", "inline value");
    redis.commands().set("key with space", "spaced value");

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("PONG"), raw.write("PING\r\n").readReply());
      assertEquals(RawResp.bulk("inline value"), raw.write("GET inline:key\r\n").readReply());
      assertEquals(
          RawResp.bulk("spaced value"), raw.write("get \"key with space\"\r\n").readReply());
      assertEquals(RawResp.bulk("spaced value"), raw.write("get 'key with space'\r\n").readReply());
      assertEquals(RawResp.bulk("tab\there"), raw.write("echo \"tab\\there\"\r\n").readReply());
      assertEquals(RawResp.NIL, raw.write("  get   inline:missing  \r\n").readReply());
      assertEquals(
          RawResp.simple("PONG"), raw.write("\r\nPING\r\n").readReply(), "a blank line is ignored");
      assertEquals(
          RawResp.bulk("inline value") + RawResp.simple("PONG") + RawResp.bulk("spaced value"),
          raw.write("GET inline:key\r\nPING\r\nGET \"key with space\"\r\n").readReply()
              + raw.readReply()
              + raw.readReply(),
          "three inline commands in one write");
    }
    assertEquals(3, redis.getCalls());
  }

  /** Inline and multibulk commands mix on one connection. */
  @Test
  void inlineAndMultibulkMix() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nmixed\r\nPING inline\r\n");
      assertEquals(RawResp.simple("PONG"), raw.readReply());
      assertEquals(RawResp.bulk("mixed"), raw.readReply());
      assertEquals(RawResp.bulk("inline"), raw.readReply());
    }
  }

  /**
   * A connection that starts inline and then speaks RESP keeps the newlines inside its bulk
   * strings.
   */
  @Test
  void bulkStringsKeepNewlinesAfterInline() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.simple("PONG"),
          raw.write("PING\n").readReply(),
          "an inline command, as nc sends it");
      assertEquals(
          RawResp.bulk("a\nb"), raw.call("ECHO", "a\nb"), "a bare LF inside a bulk string is data");
      assertEquals(RawResp.bulk("c\r\nd\n"), raw.call("ECHO", "c\r\nd\n"));
      assertEquals(RawResp.simple("PONG"), raw.call("PING"));
    }
  }

  /** Unbalanced quotes in an inline command are a protocol error in Redis wording. */
  @Test
  void unbalancedQuotesAreAProtocolError() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.error("ERR Protocol error: unbalanced quotes in request"),
          raw.write("get \"unbalanced\r\n").readUntilClosed());
    }
    assertNextConnectionIsServed();
  }

  /** Lengths at the configured limits are accepted. */
  @Test
  void lengthsAtTheLimitsAreAccepted() {
    String longestKey = "k".repeat(MAX_BULK);
    redis.commands().set(longestKey, "v");

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.bulk("v"), raw.call("GET", longestKey));
      assertEquals(
          "*3\r\n" + RawResp.bulk("v") + RawResp.NIL + RawResp.bulk("v"),
          raw.call("MGET", longestKey, "absent", longestKey),
          "four elements: MGET and three keys");
    }
  }

  /**
   * A bulk string longer than RESP_MAX_BULK_LENGTH is a protocol error and closes the connection.
   */
  @Test
  void overlongBulkStringIsAProtocolError() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      String reply = raw.write(RawResp.command("GET", "k".repeat(MAX_BULK + 1))).readUntilClosed();
      assertEquals(RawResp.error("ERR Protocol error: invalid bulk length"), reply);
    }
    assertEquals(0, redis.getCalls());
    assertNextConnectionIsServed();
  }

  /** A bulk length beyond the limit is refused from its header without waiting for the content. */
  @Test
  void overlongBulkIsRefusedFromItsHeader() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      // Declares 100 MB and sends none of it: the proxy must not wait for (or buffer) the content.
      String reply = raw.write("*2\r\n$3\r\nGET\r\n$104857600\r\n").readUntilClosed();
      assertEquals(RawResp.error("ERR Protocol error: invalid bulk length"), reply);
    }
    assertNextConnectionIsServed();
  }

  /**
   * A command with more elements than RESP_MAX_ARRAY_LENGTH is a protocol error and closes the
   * connection.
   */
  @Test
  void overlongArrayIsAProtocolError() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      String reply = raw.write(RawResp.command("MGET", "a", "b", "c", "d")).readUntilClosed();
      assertEquals(RawResp.error("ERR Protocol error: invalid multibulk length"), reply);
    }
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      // Only the header, declaring far more elements than allowed: refused before any element
      // arrives.
      assertEquals(
          RawResp.error("ERR Protocol error: invalid multibulk length"),
          raw.write("*2000000000\r\n").readUntilClosed());
    }
    assertEquals(0, redis.getCalls());
    assertNextConnectionIsServed();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        /** Bytes that are not a RESP command get a protocol error and the connection is closed. */
        "*abc\\r\\n",
        "*1\\r\\n$x\\r\\n",
        "*1\\r\\n:1\\r\\n",
        "*2\\r\\n$3\\r\\nGET\\r\\n$-1\\r\\n",
        "*1\\r\\n*1\\r\\n$4\\r\\nPING\\r\\n",
      })
  void garbageIsAProtocolError(String escaped) {
    String garbage = escaped.replace("\\r", "\r").replace("\\n", "\n");
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      String reply = raw.write(garbage).readUntilClosed();
      assertTrue(reply.startsWith("-ERR Protocol error"), reply);
      assertTrue(
          reply.endsWith("\r\n") && reply.indexOf("\r\n") == reply.length() - 2,
          "one error line: " + reply);
    }
    assertNextConnectionIsServed();
  }

  /** A client that disconnects in the middle of a command does not disturb the proxy. */
  @Test
  void clientThatDisconnectsMidCommandDisturbsNothing() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("*2\r\n$3\r\nGET\r\n$10\r\nhalf");
    }
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("GET half-an-inline-comm");
    }
    assertNextConnectionIsServed();
  }

  /**
   * Inline commands ended by a bare newline as nc sends them are answered.
   *
   * <p>Redis ends an inline command at a bare LF too, which is what {@code nc} sends without {@code
   * -C}.
   */
  @Test
  void inlineCommandsEndedByNewlineAreAnswered() {
    redis.commands().set("inline:lf", "lf value");

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("PONG"), raw.write("PING\n").readReply());
      assertEquals(RawResp.bulk("lf value"), raw.write("GET inline:lf\n").readReply());
    }
  }

  /**
   * Commands before a protocol error are answered before the error.
   *
   * <p>Like Redis: every command that came before the bad bytes is answered, even one still
   * loading, then the error.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"*abc\\r\\n", "*1\\r\\n:1\\r\\n"})
  void commandsBeforeAProtocolErrorAreAnswered(String escaped) {
    String garbage = escaped.replace("\\r", "\r").replace("\\n", "\n");
    String key = "before-err:" + garbage.length(); // at most 16 bytes here
    redis.commands().set(key, "answered first");

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      redis.pause(Duration.ofMillis(500));
      raw.write(RawResp.command("GET", key));
      proxy.awaitLog(
          Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$"),
          1,
          Duration.ofSeconds(10));
      String reply = raw.write(garbage).readUntilClosed();

      String first = RawResp.bulk("answered first");
      assertTrue(reply.startsWith(first + "-ERR Protocol error"), reply);
      assertEquals(
          reply.length() - 2,
          reply.indexOf("\r\n", first.length()),
          "one error line after: " + reply);
    }
    assertNextConnectionIsServed();
  }

  private static void assertNextConnectionIsServed() {
    redis.commands().set("protocol:after", "still served");
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("PONG"), raw.call("PING"));
      assertEquals(RawResp.bulk("still served"), raw.call("GET", "protocol:after"));
    }
  }
}
