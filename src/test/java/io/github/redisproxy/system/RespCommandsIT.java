package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisCli;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The RESP front end answers every command it knows the way Redis does, to a real, unmodified
 * Lettuce client (which first asks for RESP3, is told {@code NOPROTO} and falls back to RESP2) and
 * to the real {@code redis-cli}, and serves GETs from the same cache as HTTP. Exact wire replies
 * are checked over a plain socket where the wording matters.
 *
 * <p>The {@code redis_cli_if_installed_...} tests are skipped (an assumption, not a failure) where
 * {@code redis-cli} is not on {@code PATH} (the tests themselves install nothing; {@code .ci/run}
 * installs Debian's {@code redis-tools}).
 */
class RespCommandsIT {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(15);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  private static final ProxyClient http = proxy.http();
  private static final RedisClient client = proxy.respClient();
  private static final RedisCommands<String, String> resp = proxy.resp();

  private static RedisURI uri() {
    return proxy.respUri(COMMAND_TIMEOUT);
  }

  /** A Lettuce client connects after HELLO 3 is refused with NOPROTO and gets PONG. */
  @Test
  void lettuceConnectsAfterHello3IsRefused() {
    assertEquals("PONG", resp.ping());

    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.error("NOPROTO sorry, this protocol version is not supported"),
          raw.call("HELLO", "3"));
      String hello2 = raw.call("HELLO", "2");
      assertTrue(hello2.startsWith("*14\r\n$6\r\nserver\r\n"), hello2);
      assertTrue(hello2.contains("$5\r\nproto\r\n:2\r\n"), hello2);
      assertEquals(
          RawResp.simple("PONG"), raw.call("PING"), "the connection stays usable after HELLO");
    }
  }

  /** GET answers the value of a string key and nil for a missing key. */
  @Test
  void getAnswersValueOrNil() {
    redis.commands().set("cmd:get", "the value");

    assertEquals("the value", resp.get("cmd:get"));
    assertNull(resp.get("cmd:get-missing"));
    assertNull(resp.get("cmd:get-missing"));
    assertEquals(
        3,
        redis.getCalls(),
        "one GET for the value, and one per GET of the missing key (never cached)");
  }

  /** GET of a key that holds another type is answered with Redis WRONGTYPE error. */
  @Test
  void getOfAnotherTypeIsWrongType() {
    redis.commands().rpush("cmd:list", "element");

    RedisCommandExecutionException error =
        assertThrows(RedisCommandExecutionException.class, () -> resp.get("cmd:list"));

    assertEquals(
        "WRONGTYPE Operation against a key holding the wrong kind of value", error.getMessage());
  }

  /** MGET answers in key order with nil for a missing key and for a key that holds another type. */
  @Test
  void mgetAnswersInKeyOrder() {
    redis.commands().set("cmd:mget-1", "one");
    redis.commands().set("cmd:mget-2", "two");
    redis.commands().rpush("cmd:mget-list", "element");

    List<KeyValue<String, String>> values =
        resp.mget("cmd:mget-1", "cmd:mget-missing", "cmd:mget-list", "cmd:mget-2", "cmd:mget-1");

    assertEquals(
        List.of(
            KeyValue.just("cmd:mget-1", "one"),
            KeyValue.empty("cmd:mget-missing"),
            KeyValue.empty("cmd:mget-list"),
            KeyValue.just("cmd:mget-2", "two"),
            KeyValue.just("cmd:mget-1", "one")),
        values);
    assertEquals(4, redis.getCalls(), "one Redis GET per distinct key");
    assertEquals(
        List.of(KeyValue.just("cmd:mget-2", "two"), KeyValue.just("cmd:mget-1", "one")),
        resp.mget("cmd:mget-2", "cmd:mget-1"));
    assertEquals(4, redis.getCalls(), "the second MGET was answered from the cache");
  }

  /** PING with a message answers the message and ECHO echoes its argument. */
  @Test
  void pingAndEchoAnswerTheirArgument() {
    assertEquals(
        "hello there",
        resp.dispatch(
            CommandType.PING,
            new ValueOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("hello there")));
    assertEquals("echo me", resp.echo("echo me"));
    assertEquals("", resp.echo(""));
  }

  /** SELECT 0 is accepted and any other database is refused. */
  @Test
  void selectAcceptsDatabaseZeroOnly() {
    try (StatefulRedisConnection<String, String> own = client.connect(StringCodec.UTF8, uri())) {
      assertEquals("OK", own.sync().select(0));
      RedisCommandExecutionException error =
          assertThrows(RedisCommandExecutionException.class, () -> own.sync().select(1));
      assertTrue(error.getMessage().startsWith("ERR DB index is out of range"), error.getMessage());
    }
  }

  /** CLIENT SETNAME names only its own connection for CLIENT GETNAME. */
  @Test
  void clientSetnameNamesItsOwnConnection() {
    try (StatefulRedisConnection<String, String> named = client.connect(StringCodec.UTF8, uri())) {
      assertNull(named.sync().clientGetname());
      assertEquals("OK", named.sync().clientSetname("it-connection"));
      assertEquals("it-connection", named.sync().clientGetname());
      assertNull(resp.clientGetname(), "another connection keeps its own (absent) name");
    }

    RedisURI withName = uri();
    withName.setClientName("it-named-by-lettuce");
    try (StatefulRedisConnection<String, String> named =
        client.connect(StringCodec.UTF8, withName)) {
      assertEquals(
          "it-named-by-lettuce", named.sync().clientGetname(), "Lettuce names it while connecting");
      assertTrue(named.sync().clientId() > 0);
    }
  }

  /**
   * COMMAND COUNT, COMMAND DOCS, COMMAND INFO and CONFIG GET give the minimal answers clients
   * expect.
   */
  @Test
  void introspectionCommandsGiveMinimalAnswers() {
    List<Object> all = resp.command();
    assertEquals(all.size(), resp.commandCount(), "COMMAND COUNT counts what COMMAND lists");
    assertTrue(
        all.size() >= 11,
        "at least GET MGET PING ECHO QUIT HELLO SELECT CLIENT COMMAND CONFIG INFO: " + all);

    List<Object> getInfo = resp.commandInfo("get");
    assertEquals(1, getInfo.size());
    assertEquals(
        List.of("get", 2L), ((List<?>) getInfo.get(0)).subList(0, 2), "name and arity of GET");

    List<Object> docs =
        resp.dispatch(
            CommandType.COMMAND,
            new ArrayOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("DOCS"));
    assertEquals(List.of(), docs);

    assertEquals(Map.of(), resp.configGet("maxmemory"));
    assertEquals(Map.of(), resp.configGet("*"));
  }

  /** QUIT is answered OK and then the proxy closes the connection. */
  @Test
  void quitAnswersOkThenCloses() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("OK"), raw.write(RawResp.command("QUIT")).readUntilClosed());
    }

    RedisClient once = RedisClient.create();
    once.setOptions(ClientOptions.builder().autoReconnect(false).build());
    try {
      StatefulRedisConnection<String, String> quitting = once.connect(StringCodec.UTF8, uri());
      assertEquals("OK", quitting.sync().quit());
      Polling.until(
          Duration.ofSeconds(5), "the connection to close", quitting::isOpen, open -> !open);
    } finally {
      once.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** An unknown command is answered with Redis wording and the connection stays usable. */
  @Test
  void unknownCommandIsAnErrorAndTheConnectionStays() {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.error("ERR unknown command 'strlen', with args beginning with: 'cmd:unknown' "),
          raw.call("strlen", "cmd:unknown"));
      assertEquals(
          RawResp.error("ERR unknown command 'nosuchcommand', with args beginning with: "),
          raw.call("nosuchcommand"));
      assertEquals(RawResp.simple("PONG"), raw.call("PING"));
    }

    RedisCommandExecutionException error =
        assertThrows(
            RedisCommandExecutionException.class,
            () ->
                resp.dispatch(
                    CommandType.HGETALL, new ArrayOutput<>(StringCodec.UTF8), args("cmd:unknown")));
    assertTrue(error.getMessage().startsWith("ERR unknown command '"), error.getMessage());
    assertEquals(0, redis.getCalls());
  }

  /** Write commands are refused because the proxy is read-only and never reach Redis. */
  @Test
  void writeCommandsAreRefused() {
    redis.commands().set("cmd:write", "original");

    RedisCommandExecutionException set =
        assertThrows(RedisCommandExecutionException.class, () -> resp.set("cmd:write", "changed"));
    RedisCommandExecutionException del =
        assertThrows(RedisCommandExecutionException.class, () -> resp.del("cmd:write"));
    RedisCommandExecutionException incr =
        assertThrows(RedisCommandExecutionException.class, () -> resp.incr("cmd:counter"));

    for (RedisCommandExecutionException error : List.of(set, del, incr)) {
      assertTrue(error.getMessage().startsWith("ERR "), error.getMessage());
      assertTrue(error.getMessage().contains("read-only"), error.getMessage());
    }
    assertEquals("original", redis.commands().get("cmd:write"));
    assertEquals(0, redis.commands().exists("cmd:counter"));
    assertEquals("PONG", resp.ping(), "the connection stays usable");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        /** A wrong number of arguments is answered with Redis wording. */
        "GET                 | get",
        "GET cmd:a cmd:b     | get",
        "MGET                | mget",
        "ECHO                | echo",
        "ECHO a b            | echo",
        "PING a b            | ping",
        "SELECT              | select",
      })
  void wrongNumberOfArgumentsIsAnError(String command, String name) {
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(
          RawResp.error("ERR wrong number of arguments for '" + name + "' command"),
          raw.call(command.split(" ")));
      assertEquals(RawResp.simple("PONG"), raw.call("PING"), "the connection stays usable");
    }
  }

  /** A binary key and a value holding every byte value round trip as a miss and as a hit. */
  @Test
  void binaryKeyAndValueRoundTrip() {
    byte[] key = new byte[256];
    byte[] value = new byte[512];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i; // 0x00..0xff twice: a decoder that stops at NUL, CR, LF or 0xff shows
      if (i < key.length) {
        key[i] = (byte) (255 - i);
      }
    }
    redis.binary().set(key, value);

    try (StatefulRedisConnection<byte[], byte[]> binary =
        client.connect(ByteArrayCodec.INSTANCE, uri())) {
      assertArrayEquals(value, binary.sync().get(key), "miss");
      assertArrayEquals(value, binary.sync().get(key), "hit");
      List<KeyValue<byte[], byte[]>> both = binary.sync().mget(key, key);
      assertArrayEquals(value, both.get(0).getValue());
      assertArrayEquals(value, both.get(1).getValue());
    }
    assertEquals(1, redis.getCalls());
  }

  /**
   * A hit is answered from the cache without reaching Redis until the key changes in Redis.
   *
   * <p>Under the default CACHE_INVALIDATION=tracking a hit needs no Redis until the key changes
   * there; then Redis reports the change and the next GET loads the new value (how fast is {@code
   * InvalidationIT}'s business).
   */
  @Test
  void hitIsServedFromTheCacheUntilTheKeyChanges() {
    redis.commands().set("cmd:hit", "cached");
    assertEquals("cached", resp.get("cmd:hit"));
    assertEquals(1, redis.getCalls());
    for (int i = 0; i < 5; i++) {
      assertEquals("cached", resp.get("cmd:hit"));
    }
    assertEquals(1, redis.getCalls());

    redis.commands().set("cmd:hit", "changed in Redis");
    Polling.until(
        Duration.ofSeconds(5),
        "the change to reach the proxy",
        () -> resp.get("cmd:hit"),
        "changed in Redis"::equals);
    assertEquals(2, redis.getCalls(), "every GET was a hit but the first after the change");
    assertEquals("changed in Redis", resp.get("cmd:hit"));
    assertEquals(2, redis.getCalls());
  }

  /**
   * With CACHE_INVALIDATION=none a hit is answered from the cache without reaching Redis even after
   * the key changed.
   *
   * <p>TTL-only behaviour: a proxy of its own with {@code CACHE_INVALIDATION=none} serves the
   * cached value regardless.
   */
  @Test
  void ttlOnlyProxyServesChangedKeyFromCache() {
    try (ProxyProcess ttlOnly =
        ProxyExtension.builder().redis(redis).env("CACHE_INVALIDATION", "none").resp().start()) {
      redis.resetStats(); // the readiness probe's GET
      RedisURI ttlOnlyUri = RedisURI.create(ttlOnly.respUri());
      ttlOnlyUri.setTimeout(COMMAND_TIMEOUT);
      try (StatefulRedisConnection<String, String> ttlOnlyConnection =
          client.connect(StringCodec.UTF8, ttlOnlyUri)) {
        RedisCommands<String, String> ttlOnlyResp = ttlOnlyConnection.sync();
        redis.commands().set("cmd:hit", "cached");
        assertEquals("cached", ttlOnlyResp.get("cmd:hit"));
        assertEquals(1, redis.getCalls());

        redis.commands().set("cmd:hit", "changed in Redis");
        for (int i = 0; i < 5; i++) {
          assertEquals("cached", ttlOnlyResp.get("cmd:hit"), "the cached value, until it expires");
        }
        assertEquals(1, redis.getCalls());
      }
      ttlOnly.closeAndAssertNoErrorsLogged();
    }
  }

  /** HTTP and RESP share one cache in both directions. */
  @Test
  void httpAndRespShareOneCache() {
    redis.commands().set("cmd:shared-1", "loaded over HTTP");
    redis.commands().set("cmd:shared-2", "loaded over RESP");

    HttpResponse<byte[]> miss = http.get("/cmd:shared-1");
    assertEquals(Optional.of("MISS"), miss.headers().firstValue("X-Cache"));
    assertEquals("loaded over HTTP", resp.get("cmd:shared-1"));
    assertEquals(1, redis.getCalls(), "the RESP GET was a hit on what HTTP loaded");

    assertEquals("loaded over RESP", resp.get("cmd:shared-2"));
    HttpResponse<byte[]> hit = http.get("/cmd:shared-2");
    assertEquals(200, hit.statusCode());
    assertEquals(Optional.of("HIT"), hit.headers().firstValue("X-Cache"));
    assertEquals("loaded over RESP", new String(hit.body(), StandardCharsets.UTF_8));
    assertEquals(2, redis.getCalls(), "the HTTP GET was a hit on what RESP loaded");
  }

  /** The proxy listens on its HTTP, RESP and management ports and no other. */
  @Test
  void listensOnItsThreePortsOnly() {
    String logged = ", RESP on 127.0.0.1:" + proxy.respPort() + ",";
    assertTrue(
        proxy.log().lines().stream().anyMatch(line -> line.contains(logged)),
        "the proxy logs " + logged);
    // Where /proc exists (Linux): the same check that RespDisabledIT makes with the RESP port off.
    proxy.process().assertListensOnlyOn(proxy.port(), proxy.respPort(), proxy.managementPort());
  }

  /**
   * {@code redis-cli}, if installed, prints the value that GET answers.
   *
   * <p>Skipped, not failed, where redis-cli is not on PATH.
   */
  @Test
  void redisCliPrintsTheValue() {
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");
    redis.commands().set("somekey", "some value");

    RedisCli.Run run = RedisCli.run(proxy.respPort(), "", CLI_TIMEOUT, "get", "somekey");

    assertEquals(new RedisCli.Run(0, "some value\n", ""), run);
    assertEquals(1, redis.getCalls());
  }

  /**
   * {@code redis-cli}, if installed, started without a command answers the commands it reads from
   * stdin.
   *
   * <p>Started without a command, redis-cli 7 first asks {@code COMMAND DOCS}, then reads commands
   * from its standard input. Skipped, not failed, where redis-cli is not on PATH.
   */
  @Test
  void redisCliReadsCommandsFromStdin() {
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");
    redis.commands().set("cli:interactive", "typed value");

    RedisCli.Run run =
        RedisCli.run(proxy.respPort(), "ping\nget cli:interactive\nget cli:absent\n", CLI_TIMEOUT);

    assertEquals(new RedisCli.Run(0, "PONG\ntyped value\n\n", ""), run);
    assertEquals(2, redis.getCalls());
  }

  /**
   * {@code redis-cli}, if installed, shows the proxy errors for a write and an unknown command.
   *
   * <p>Skipped, not failed, where redis-cli is not on PATH.
   */
  @Test
  void redisCliShowsTheProxysErrors() {
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");

    RedisCli.Run write = RedisCli.run(proxy.respPort(), "", CLI_TIMEOUT, "set", "cli:key", "value");
    assertTrue(
        write.stdout().startsWith("ERR ") && write.stdout().contains("read-only"),
        write.toString());

    RedisCli.Run unknown = RedisCli.run(proxy.respPort(), "", CLI_TIMEOUT, "strlen", "cli:key");
    // redis-cli follows an error with an empty line when its output is not a terminal.
    assertEquals(
        "ERR unknown command 'strlen', with args beginning with: 'cli:key' \n\n", unknown.stdout());
    assertEquals(0, redis.commands().exists("cli:key"));
  }

  private static CommandArgs<String, String> args(String... words) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
    for (String word : words) {
      args.add(word);
    }
    return args;
  }
}
