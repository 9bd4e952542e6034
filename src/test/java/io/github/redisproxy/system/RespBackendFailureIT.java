package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that stalls ({@code CLIENT PAUSE} longer than REDIS_TIMEOUT=0.25) or is down, seen over
 * RESP: the client gets an error reply and keeps its connection, nothing failed is cached, and a
 * load that fails after its caller went away (a closed connection, or an MGET already answered with
 * another key's failure) is not logged as an error.
 *
 * <p>The class's proxy runs with the default {@code CACHE_INVALIDATION=tracking}, which clears the
 * cache when its connection drops; that a cached key is still served while Redis is down is the
 * TTL-only behaviour of {@code CACHE_INVALIDATION=none}, checked with a proxy of its own.
 */
class RespBackendFailureIT {
  /** Longer than REDIS_TIMEOUT, so that every load started during the pause times out. */
  private static final Duration STALL = Duration.ofMillis(750);

  private static final Pattern TRACKING_LOST =
      Pattern.compile("Lost the connection that carries invalidations: cleared (\\d+) cached keys");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("REDIS_TIMEOUT", "0.25")
          .env("LOG_LEVEL", "debug")
          .resp()
          .build();

  @AfterEach
  void restartRedisIfStopped() {
    if (!redis.isRunning()) {
      redis.start();
      proxy.awaitBackendReady();
      proxy.awaitInvalidationTracking(); // loads are cached again
    }
  }

  /**
   * A GET while Redis stalls is answered with a backend timeout error and the next GET loads
   * afresh.
   */
  @Test
  void stalledGetIsATimeoutErrorAndNotCached() {
    redis.commands().set("fail:slow", "eventually");
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      redis.pause(STALL);
      String reply = raw.call("GET", "fail:slow");
      assertTrue(reply.startsWith("-ERR backend timeout: "), reply);
      assertTrue(reply.contains("did not answer within 250 ms"), reply);

      redis.commands().ping(); // returns when the pause ends
      assertEquals(
          RawResp.bulk("eventually"), raw.call("GET", "fail:slow"), "the failure was not cached");
    }
    assertLoadsStarted("fail:slow", 2);
  }

  /** An MGET while Redis stalls is answered with one error and its cancelled loads log no error. */
  @Test
  void stalledMgetIsOneErrorAndLogsNone() {
    String[] keys = {"fail:m1", "fail:m2", "fail:m3", "fail:m4"};
    int mark = proxy.log().mark();
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      redis.pause(STALL);
      String reply = raw.call("MGET", keys[0], keys[1], keys[2], keys[3]);
      assertTrue(reply.startsWith("-ERR backend timeout: "), reply);

      // Once the pause is over, each key loads afresh: so every load of the MGET has ended (failed)
      // by now.
      redis.commands().ping();
      for (String key : keys) {
        assertEquals(RawResp.NIL, raw.call("GET", key));
        assertLoadsStarted(key, 2);
      }
      assertEquals(RawResp.simple("PONG"), raw.call("PING"), "the connection stays usable");
    }
    proxy.log().assertNoErrorsSince(mark);
  }

  /** A client that goes away before its load fails causes no error log over RESP or HTTP. */
  @Test
  void clientThatGoesAwayCausesNoErrorLog() {
    int mark = proxy.log().mark();
    redis.pause(STALL);
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      raw.write(RawResp.command("GET", "fail:gone-resp"));
      proxy.awaitLog(started("fail:gone-resp"), 1, Duration.ofSeconds(5));
    }
    RawHttp.Pending abandoned = RawHttp.send(proxy.port(), "/fail:gone-http");
    proxy.awaitLog(started("fail:gone-http"), 1, Duration.ofSeconds(5));
    abandoned.close();

    redis.commands().ping(); // the pause is over, both loads have timed out
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.NIL, raw.call("GET", "fail:gone-resp"));
    }
    assertEquals(404, new ProxyClient(proxy).get("/fail:gone-http").statusCode());
    assertLoadsStarted("fail:gone-resp", 2);
    assertLoadsStarted("fail:gone-http", 2);
    proxy.log().assertNoErrorsSince(mark);
  }

  /**
   * With CACHE_INVALIDATION=none while Redis is down a miss is answered with a backend error and a
   * cached key is still served.
   *
   * <p>TTL-only behaviour: a proxy of its own with {@code CACHE_INVALIDATION=none}.
   */
  @Test
  void ttlOnlyProxyServesCachedKeysWhileRedisIsDown() {
    try (ProxyProcess ttlOnly =
        ProxyExtension.builder()
            .redis(redis)
            .env("REDIS_TIMEOUT", "0.25")
            .env("CACHE_INVALIDATION", "none")
            .resp()
            .start()) {
      redis.commands().set("fail:cached", "cached value");
      try (RawResp raw = RawResp.connect(ttlOnly.respPort())) {
        assertEquals(RawResp.bulk("cached value"), raw.call("GET", "fail:cached"));

        redis.stop();
        String miss = raw.call("GET", "fail:cold");
        assertTrue(
            miss.startsWith("-ERR backend unavailable: ")
                || miss.startsWith("-ERR backend timeout: "),
            miss);
        assertEquals(
            RawResp.bulk("cached value"), raw.call("GET", "fail:cached"), "a hit needs no Redis");
        String mget = raw.call("MGET", "fail:cached", "fail:cold");
        assertTrue(
            mget.startsWith("-ERR backend "),
            "an MGET with a key that cannot load fails as a whole: " + mget);
        assertEquals(RawResp.simple("PONG"), raw.call("PING"), "the connection stays usable");
      }
      ttlOnly.closeAndAssertNoErrorsLogged();
    }
  }

  /**
   * While Redis is down a key cached before is answered with a backend error too because the cache
   * was cleared.
   *
   * <p>The tracking counterpart: once the proxy knows its connection is gone it has cleared the
   * cache, so the key it cached before is answered like any miss while Redis is down (rejected at
   * once: Lettuce is disconnected).
   */
  @Test
  void trackingProxyClearsItsCacheWhenRedisGoesDown() {
    redis.commands().set("fail:tracked", "cached value");
    int lost = proxy.linesMatching(TRACKING_LOST).size();
    try (RawResp raw = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.bulk("cached value"), raw.call("GET", "fail:tracked"));
      assertEquals(RawResp.bulk("cached value"), raw.call("GET", "fail:tracked"));
      assertEquals(1, redis.getCalls(), "the second GET was a hit");

      redis.stop();
      String cleared = proxy.awaitLog(TRACKING_LOST, lost + 1, Duration.ofSeconds(10)).get(lost);
      assertTrue(cleared.contains("cleared 1 cached keys"), cleared);
      String reply = raw.call("GET", "fail:tracked");
      assertTrue(
          reply.startsWith("-ERR backend unavailable: "),
          "the key cached before Redis went down: " + reply);
      String mget = raw.call("MGET", "fail:tracked", "fail:cold");
      assertTrue(mget.startsWith("-ERR backend unavailable: "), mget);
      assertEquals(RawResp.simple("PONG"), raw.call("PING"), "the connection stays usable");
    }
  }

  /**
   * Exactly {@code count} loads of {@code key} started. Waits for the log lines: the proxy logs a
   * load before it answers, but its output reaches the test through a pipe, which may lag behind
   * the answer.
   */
  private static void assertLoadsStarted(String key, int count) {
    proxy.awaitLog(started(key), count, Duration.ofSeconds(5));
    assertEquals(count, proxy.linesMatching(started(key)).size(), "loads of " + key);
  }

  private static Pattern started(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
  }
}
