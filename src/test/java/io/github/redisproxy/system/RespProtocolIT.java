package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
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
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
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

  @Test
  void inline_commands_as_typed_into_telnet_are_answered() {
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

  @Test
  void inline_and_multibulk_commands_mix_on_one_connection() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nmixed\r\nPING inline\r\n");
      assertEquals(RawResp.simple("PONG"), raw.readReply());
      assertEquals(RawResp.bulk("mixed"), raw.readReply());
      assertEquals(RawResp.bulk("inline"), raw.readReply());
    }
  }

  @Test
  void
      a_connection_that_starts_inline_and_then_speaks_RESP_keeps_the_newlines_inside_its_bulk_strings() {
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

  @Test
  void unbalanced_quotes_in_an_inline_command_are_a_protocol_error_in_Redis_wording() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.error("ERR Protocol error: unbalanced quotes in request"),
          raw.write("get \"unbalanced\r\n").readUntilClosed());
    }
    assertNextConnectionIsServed();
  }

  @Test
  void lengths_at_the_configured_limits_are_accepted() {
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

  @Test
  void
      a_bulk_string_longer_than_RESP_MAX_BULK_LENGTH_is_a_protocol_error_and_closes_the_connection() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      String reply = raw.write(RawResp.command("GET", "k".repeat(MAX_BULK + 1))).readUntilClosed();
      assertEquals(RawResp.error("ERR Protocol error: invalid bulk length"), reply);
    }
    assertEquals(0, redis.getCalls());
    assertNextConnectionIsServed();
  }

  @Test
  void a_bulk_length_beyond_the_limit_is_refused_from_its_header_without_waiting_for_the_content() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      // Declares 100 MB and sends none of it: the proxy must not wait for (or buffer) the content.
      String reply = raw.write("*2\r\n$3\r\nGET\r\n$104857600\r\n").readUntilClosed();
      assertEquals(RawResp.error("ERR Protocol error: invalid bulk length"), reply);
    }
    assertNextConnectionIsServed();
  }

  @Test
  void
      a_command_with_more_elements_than_RESP_MAX_ARRAY_LENGTH_is_a_protocol_error_and_closes_the_connection() {
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
        "*abc\\r\\n",
        "*1\\r\\n$x\\r\\n",
        "*1\\r\\n:1\\r\\n",
        "*2\\r\\n$3\\r\\nGET\\r\\n$-1\\r\\n",
        "*1\\r\\n*1\\r\\n$4\\r\\nPING\\r\\n",
      })
  void bytes_that_are_not_a_RESP_command_get_a_protocol_error_and_the_connection_is_closed(
      String escaped) {
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

  @Test
  void a_client_that_disconnects_in_the_middle_of_a_command_does_not_disturb_the_proxy() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("*2\r\n$3\r\nGET\r\n$10\r\nhalf");
    }
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write("GET half-an-inline-comm");
    }
    assertNextConnectionIsServed();
  }

  /**
   * Redis ends an inline command at a bare LF too, which is what {@code nc} sends without {@code
   * -C}.
   */
  @Test
  void inline_commands_ended_by_a_bare_newline_as_nc_sends_them_are_answered() {
    redis.commands().set("inline:lf", "lf value");

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("PONG"), raw.write("PING\n").readReply());
      assertEquals(RawResp.bulk("lf value"), raw.write("GET inline:lf\n").readReply());
    }
  }

  /**
   * Like Redis: every command that came before the bad bytes is answered, even one still loading,
   * then the error.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"*abc\\r\\n", "*1\\r\\n:1\\r\\n"})
  void commands_before_a_protocol_error_are_answered_before_the_error(String escaped) {
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
