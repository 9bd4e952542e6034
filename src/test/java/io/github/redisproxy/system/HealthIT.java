package io.github.redisproxy.system;

import static io.github.redisproxy.testing.ManagementClient.fieldNames;
import static io.github.redisproxy.testing.ManagementClient.json;
import static io.github.redisproxy.testing.ProxyClient.bodyOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The management port's readiness probe ({@code /health}, which follows Redis) and liveness probe
 * ({@code /health/live}, which does not), and the backend meters they agree with.
 */
class HealthIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** A short REDIS_TIMEOUT, so that a PING to a stopped Redis fails fast. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).env("REDIS_TIMEOUT", "0.5").build();

  private static final ManagementClient management = proxy.management();

  /** A test that stopped Redis leaves it running again, and the proxy connected to it. */
  @AfterEach
  void restartRedisIfStopped() {
    redis.start();
    Polling.until(
        DEADLINE,
        "the proxy to reach Redis again",
        () -> management.get("/health"),
        r -> r.statusCode() == 200);
  }

  /**
   * {@code /health} is UP while Redis answers, DOWN with a reason while it is stopped, and UP again
   * once it is back.
   */
  @Test
  void healthFollowsRedis() {
    ManagementClient probe = management;
    String address = "redis://" + redis.address();

    HttpResponse<byte[]> up = probe.get("/health");
    assertEquals(200, up.statusCode(), bodyOf(up));
    JsonNode upBody = json(up);
    assertEquals(Set.of("status", "redis"), fieldNames(upBody));
    assertEquals("UP", upBody.get("status").asText());
    assertEquals(Set.of("status", "address", "ping_ms"), fieldNames(upBody.get("redis")));
    assertEquals("UP", upBody.get("redis").get("status").asText());
    assertEquals(address, upBody.get("redis").get("address").asText());
    double pingMillis = upBody.get("redis").get("ping_ms").asDouble();
    assertTrue(upBody.get("redis").get("ping_ms").isNumber(), "ping_ms is a number: " + upBody);
    assertTrue(
        pingMillis >= 0 && pingMillis < 700,
        "ping_ms within REDIS_TIMEOUT (+ 200 ms): " + pingMillis);
    assertLive(probe);
    PrometheusText before = probe.scrape();
    assertEquals(1.0, before.value("redis_proxy_backend_up"));
    double disconnects = before.value("redis_proxy_backend_disconnects_total");

    redis.stop();

    HttpResponse<byte[]> down =
        Polling.until(
            DEADLINE,
            "/health to report DOWN",
            () -> probe.get("/health"),
            r -> r.statusCode() != 200);
    assertEquals(503, down.statusCode(), bodyOf(down));
    JsonNode downBody = json(down);
    assertEquals("DOWN", downBody.get("status").asText());
    assertEquals(
        Set.of("status", "address", "ping_ms", "reason"), fieldNames(downBody.get("redis")));
    assertEquals("DOWN", downBody.get("redis").get("status").asText());
    assertEquals(address, downBody.get("redis").get("address").asText());
    assertFalse(downBody.get("redis").get("reason").asText().isBlank(), "a reason: " + downBody);

    long start = System.nanoTime();
    HttpResponse<byte[]> stillDown = probe.get("/health");
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(503, stillDown.statusCode(), bodyOf(stillDown));
    assertTrue(
        elapsed.compareTo(Duration.ofMillis(1500)) < 0,
        "DOWN answered within REDIS_TIMEOUT + 1 s: " + elapsed);
    assertLive(probe);
    PrometheusText outage =
        Polling.until(
            DEADLINE,
            "redis_proxy_backend_up to drop to 0",
            () -> probe.scrape(),
            metrics -> metrics.value("redis_proxy_backend_up") == 0.0);
    assertEquals(
        disconnects + 1,
        outage.value("redis_proxy_backend_disconnects_total"),
        "one connection lost");

    redis.start();

    HttpResponse<byte[]> back =
        Polling.until(
            DEADLINE,
            "/health to report UP again",
            () -> probe.get("/health"),
            r -> r.statusCode() == 200);
    JsonNode backBody = json(back);
    assertEquals("UP", backBody.get("status").asText());
    assertEquals("UP", backBody.get("redis").get("status").asText());
    assertLive(probe);
    PrometheusText after = probe.scrape();
    assertEquals(1.0, after.value("redis_proxy_backend_up"));
    assertEquals(
        disconnects + 1,
        after.value("redis_proxy_backend_disconnects_total"),
        "one connection lost, in all");
  }

  private static void assertLive(ManagementClient probe) {
    HttpResponse<byte[]> live = probe.get("/health/live");
    assertEquals(200, live.statusCode(), bodyOf(live));
    assertEquals(JSON.createObjectNode().put("status", "UP"), json(live));
  }
}
