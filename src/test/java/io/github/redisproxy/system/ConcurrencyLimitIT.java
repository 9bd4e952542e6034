package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MAX_CONCURRENCY=2 and MAX_QUEUED_REQUESTS=1: two lookups run, one waits, the next is refused at
 * once.
 *
 * <p>Making "the third request is waiting" observable without a race: a waiting request logs
 * nothing, but Reactor Netty logs (at debug) "Handler is being applied" on the connection's event
 * loop right before it calls the proxy's handler, which takes its place in the queue synchronously,
 * in the same event-loop task. With a single event loop ({@code reactor.netty.ioWorkerCount=1}) the
 * fourth request can only be handled after that task has finished; so once the test has seen the
 * third request's line (identified by its client port), the queue is full for certain. The first
 * two requests are known to hold the two slots by their own "started a load" lines, and Redis,
 * paused, keeps them there.
 */
class ConcurrencyLimitIT {
  private static final Duration PAUSE = Duration.ofSeconds(3);
  private static final Duration LOG_WAIT = Duration.ofSeconds(5);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("MAX_CONCURRENCY", "2")
          .env("MAX_QUEUED_REQUESTS", "1")
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .jvmOptions(
              "-Dreactor.netty.ioWorkerCount=1",
              "-Dlogback.configurationFile="
                  + ConcurrencyLimitIT.class.getResource("/logback-http-server-debug.xml"))
          .build();

  /**
   * Beyond MAX_CONCURRENCY plus MAX_QUEUED_REQUESTS, a request is refused at once with 503 and
   * Retry-After.
   */
  @Test
  void requestBeyondConcurrencyAndQueueIsRefusedAtOnce() throws Exception {
    for (int i = 1; i <= 4; i++) {
      redis.commands().set("limit:k" + i, "value " + i);
    }
    long pauseSent = System.nanoTime();
    redis.pause(PAUSE);
    long pauseEndsNoSoonerThan = pauseSent + PAUSE.toNanos();

    RawHttp.Pending first = RawHttp.send(proxy.port(), "/limit:k1");
    RawHttp.Pending second = RawHttp.send(proxy.port(), "/limit:k2");
    proxy.awaitLog(started("limit:k1"), 1, LOG_WAIT);
    proxy.awaitLog(started("limit:k2"), 1, LOG_WAIT);

    RawHttp.Pending third = RawHttp.send(proxy.port(), "/limit:k3");
    proxy.awaitLog(handlerApplied(third.localPort()), 1, LOG_WAIT);
    assertTrue(
        proxy.linesMatching(started("limit:k3")).isEmpty(),
        "the third request must wait for a slot");

    RawHttp.Response refused =
        RawHttp.send(proxy.port(), "/limit:k4").response().get(5, TimeUnit.SECONDS);
    long refusedAt = System.nanoTime();
    assertEquals(503, refused.status(), refused.statusLine());
    assertTrue(refused.header("Retry-After").isPresent(), "Retry-After");
    assertTrue(refusedAt - pauseEndsNoSoonerThan < 0, "refused only after Redis answered again");
    assertFalse(
        first.response().isDone() || second.response().isDone() || third.response().isDone(),
        "the refusal must come while the other three still wait");

    int n = 1;
    for (RawHttp.Pending pending : List.of(first, second, third)) {
      RawHttp.Response response = pending.response().get(15, TimeUnit.SECONDS);
      assertEquals(200, response.status(), "request " + n + ": " + response.statusLine());
      assertEquals("value " + n, response.bodyText());
      assertEquals(Optional.of("MISS"), response.header("X-Cache"));
      n++;
    }
    assertEquals(
        1, proxy.linesMatching(started("limit:k3")).size(), "the third request got a slot");
    assertTrue(
        proxy.linesMatching(Pattern.compile("miss key=limit:k4 ")).isEmpty(),
        "the fourth never got a slot");
    assertEquals(3, redis.getCalls());
  }

  private static Pattern started(String key) {
    return Pattern.compile("miss key=" + Pattern.quote(key) + " started a load$");
  }

  private static Pattern handlerApplied(int clientPort) {
    return Pattern.compile("R:/127\\.0\\.0\\.1:" + clientPort + "] Handler is being applied");
  }
}
