package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrency over RESP, made deterministic: Redis is paused ({@code CLIENT PAUSE}) so that loads
 * stay in flight, and the proxy's debug and trace log lines ({@code miss key=K started a load},
 * {@code coalesced key=K joined the load in flight}, {@code hit key=K}) tell the test when every
 * command has reached the cache, before Redis answers.
 */
class RespConcurrencyIT {
  /**
   * Long enough for every command of a test (a hundred, with a log line each) to reach the cache
   * while Redis is paused, with a wide margin; the tests wait this long.
   */
  private static final Duration PAUSE = Duration.ofSeconds(1);

  /** The pause for a test whose few commands reach the cache within milliseconds. */
  private static final Duration SHORT_PAUSE = Duration.ofMillis(500);

  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "trace")
          .resp()
          .build();

  private static final RedisClient client = proxy.respClient();

  private static StatefulRedisConnection<String, String> connect() {
    return client.connect(StringCodec.UTF8, uri());
  }

  private static RedisURI uri() {
    return proxy.respUri(Duration.ofSeconds(20));
  }

  /**
   * Twenty concurrent GETs for one cold key from twenty connections share exactly one Redis GET.
   */
  @Test
  void coldKeyRequestedConcurrentlyLoadsOnce() throws Exception {
    int clients = 20;
    String key = "conc:coalesced";
    redis.commands().set(key, "shared value");
    List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    try {
      List<CompletableFuture<StatefulRedisConnection<String, String>>> connecting =
          new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        connecting.add(client.connectAsync(StringCodec.UTF8, uri()).toCompletableFuture());
      }
      for (CompletableFuture<StatefulRedisConnection<String, String>> connected : connecting) {
        connections.add(connected.get(20, TimeUnit.SECONDS));
      }
      redis.pause(PAUSE);

      List<RedisFuture<String>> replies = new ArrayList<>();
      for (StatefulRedisConnection<String, String> connection : connections) {
        replies.add(connection.async().get(key));
      }
      // Log lines come from several event loops, so the one that started the load may be written
      // after some joins.
      proxy.awaitLog(joined(key), clients - 1, LOG_TIMEOUT);
      proxy.awaitLog(started(key), 1, LOG_TIMEOUT);
      assertEquals(1, proxy.linesMatching(started(key)).size(), "loads started");

      for (RedisFuture<String> reply : replies) {
        assertEquals("shared value", reply.get(20, TimeUnit.SECONDS));
      }
      assertEquals(1, redis.getCalls(), "Redis GETs for " + clients + " concurrent misses");
      assertEquals(1, proxy.linesMatching(started(key)).size(), "loads started");
      assertEquals(
          clients - 1, proxy.linesMatching(joined(key)).size(), "GETs that joined the load");
    } finally {
      connections.forEach(StatefulRedisConnection::close);
    }
  }

  /**
   * A hundred pipelined GETs in one write are answered in command order though later hits are ready
   * first.
   */
  @Test
  void pipelinedRepliesKeepCommandOrder() {
    int commands = 100;
    for (int i = 0; i < commands; i++) {
      redis.commands().set(pipelineKey(i), "value-" + i);
    }
    try (StatefulRedisConnection<String, String> warming = connect()) {
      // Every odd key is cached after this loop.
      for (int i = 1; i < commands; i += 2) {
        assertEquals("value-" + i, warming.sync().get(pipelineKey(i)));
      }
    }
    redis.resetStats();
    Pattern evenKeyLoads = Pattern.compile("miss key=pipe:\\d*[02468] started a load$");
    Pattern oddKeyHits = Pattern.compile("hit key=pipe:\\d*[13579]$");
    assertEquals(0, proxy.linesMatching(evenKeyLoads).size());
    assertEquals(0, proxy.linesMatching(oddKeyHits).size());

    ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
    for (int i = 0; i < commands; i++) {
      pipeline.writeBytes(RawResp.command("GET", pipelineKey(i)));
    }
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      redis.pause(PAUSE);
      RedisServerExtension.PauseProbe probe = redis.pingBehindThePause();
      raw.write(pipeline.toByteArray()); // one write: 100 commands

      // Every miss (the even keys, GET pipe:0 first) is loading, all at once, while Redis is
      // paused; every hit (the
      // odd keys) is done. Yet nothing may be sent: the first reply is a miss's.
      proxy.awaitLog(evenKeyLoads, commands / 2, LOG_TIMEOUT);
      proxy.awaitLog(oddKeyHits, commands / 2, LOG_TIMEOUT);
      probe.assertStillPaused();
      assertEquals(0, raw.available(), "bytes sent before the first command (a miss) was answered");

      for (int i = 0; i < commands; i++) {
        assertEquals(
            RawResp.bulk("value-" + i),
            raw.readReply(),
            "reply " + i + " is for GET " + pipelineKey(i));
      }
      assertEquals(
          RawResp.simple("PONG"), raw.call("PING"), "nothing more came before the next reply");
    }
    assertEquals(commands / 2, redis.getCalls(), "one Redis GET per miss");
    assertEquals(commands / 2, proxy.linesMatching(evenKeyLoads).size());
  }

  /** The misses of one MGET load in parallel and the values come back in key order. */
  @Test
  void mgetMissesLoadInParallel() throws Exception {
    int keys = 10;
    String[] names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "mget-par:" + i;
      redis.commands().set(names[i], "value-" + i);
    }
    try (StatefulRedisConnection<String, String> connection = connect()) {
      redis.pause(SHORT_PAUSE);
      RedisServerExtension.PauseProbe probe = redis.pingBehindThePause();
      RedisFuture<List<KeyValue<String, String>>> reply = connection.async().mget(names);

      // All ten loads start while Redis is paused: none waits for another to finish.
      proxy.awaitLog(Pattern.compile("miss key=mget-par:\\d+ started a load$"), keys, LOG_TIMEOUT);
      probe.assertStillPaused();

      List<KeyValue<String, String>> values = reply.get(20, TimeUnit.SECONDS);
      List<KeyValue<String, String>> expected = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        expected.add(KeyValue.just(names[i], "value-" + i));
      }
      assertEquals(expected, values);
    }
    assertEquals(keys, redis.getCalls());
  }

  /** QUIT pipelined after a slow miss is answered after the miss and then closes. */
  @Test
  void pipelinedQuitWaitsForTheMissBeforeClosing() {
    String key = "conc:before-quit";
    redis.commands().set(key, "answered first");
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      redis.pause(SHORT_PAUSE);
      raw.write("GET " + key + "\r\nQUIT\r\nPING\r\n");
      proxy.awaitLog(started(key), 1, LOG_TIMEOUT);

      assertEquals(RawResp.bulk("answered first") + RawResp.simple("OK"), raw.readUntilClosed());
    }
    assertEquals(1, redis.getCalls());
  }

  private static String pipelineKey(int i) {
    return "pipe:" + i;
  }

  private static Pattern started(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
  }

  private static Pattern joined(String key) {
    return Pattern.compile("coalesced key=" + Pattern.quote(key) + " joined the load in flight$");
  }
}
