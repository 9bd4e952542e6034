package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisSentinelExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy in front of a real Sentinel-managed master and replica (three sentinels) on loopback,
 * configured as a user would: {@code REDIS_ADDRESS=redis-sentinel://…#mymaster}. It reads from the
 * master the sentinels name, or with {@code READ_FROM=replica} from the replica, coherently, and
 * follows a failover as soon as the sentinels announce it.
 */
class SentinelIT {
  private static final Duration REFLECTED = Duration.ofMillis(500);
  private static final Duration FOLLOWS_FAILOVER = Duration.ofSeconds(5);

  @RegisterExtension
  @Order(1)
  static final RedisSentinelExtension redis = new RedisSentinelExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  private static final ProxyClient http = proxy.http();

  private static String body(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /**
   * Keys are read from the master the sentinels name (a cold burst makes one GET there), absent
   * keys answer 404, and a write on the master reaches the proxy within 500 ms.
   */
  @Test
  void readsComeFromTheMasterAndStayCoherent() {
    int master = redis.masterPort();
    redis.commands(master).set("sentinel:key", "v1");
    long before = redis.getCalls(master);
    List<CompletableFuture<HttpResponse<byte[]>>> burst = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      burst.add(http.getAsync("/sentinel:key"));
    }
    for (CompletableFuture<HttpResponse<byte[]>> response : burst) {
      assertEquals("v1", body(response.join()));
    }
    assertEquals(before + 1, redis.getCalls(master), "GETs on the master for a cold burst");
    assertEquals(0, redis.getCalls(redis.replicaPort()), "GETs on the replica");
    assertEquals(404, http.get("/sentinel:absent").statusCode());
    assertEquals("v1", proxy.resp().get("sentinel:key"));

    redis.commands(master).set("sentinel:key", "v2");
    Polling.until(REFLECTED, "v2 reflected", () -> body(http.get("/sentinel:key")), "v2"::equals);
  }

  /**
   * With READ_FROM=replica the proxy reads from the replica only, and a write replicated to it
   * reaches the proxy within 500 ms (the replica reports the key when it applies the write).
   */
  @Test
  void replicaReadsAreCoherent() {
    try (ProxyProcess replicaReader =
        ProxyExtension.builder().redis(redis).env("READ_FROM", "replica").start()) {
      replicaReader.awaitBackendReady();
      ProxyClient reader = new ProxyClient(replicaReader.port());
      int master = redis.masterPort();
      int replica = redis.replicaPort();
      redis.commands(master).set("sentinel:replica", "v1");
      redis.commands(master).waitForReplication(1, 5_000);
      long before = redis.getCalls(replica);

      assertEquals("v1", body(reader.get("/sentinel:replica")));
      assertEquals(Optional.of("HIT"), ProxyClient.xCache(reader.get("/sentinel:replica")));
      assertEquals(before + 1, redis.getCalls(replica), "GETs on the replica");
      assertEquals(0, redis.getCalls(master), "GETs on the master");

      redis.commands(master).set("sentinel:replica", "v2");
      Polling.until(
          REFLECTED,
          "v2 through the replica",
          () -> body(reader.get("/sentinel:replica")),
          "v2"::equals);
      assertEquals(0, redis.getCalls(master), "GETs on the master");
    }
  }

  /**
   * SENTINEL FAILOVER: within 5 s of every sentinel naming the new master, the proxy answers what
   * was written there, its connection to the new master has tracking on, and from then on no read
   * is older than the new master's last acknowledged write.
   */
  @Test
  void aFailoverIsFollowedWithinFiveSecondsWithoutStaleReads() {
    String key = "sentinel:failover";
    redis.commands(redis.masterPort()).set(key, "before");
    assertEquals("before", body(http.get("/" + key)));
    assertEquals(Optional.of("HIT"), ProxyClient.xCache(http.get("/" + key)));

    int newMaster = redis.failover();
    long announced = System.nanoTime();
    redis.commands(newMaster).set(key, "after");
    Polling.until(
        FOLLOWS_FAILOVER,
        "the proxy to answer from the new master",
        () -> body(http.get("/" + key)),
        "after"::equals);
    long followedMillis = (System.nanoTime() - announced) / 1_000_000;
    assertTrue(followedMillis <= FOLLOWS_FAILOVER.toMillis(), "followed in " + followedMillis);

    assertTrue(
        redis.commands(newMaster).clientList().lines().anyMatch(SentinelIT::isTrackedProxy),
        "a proxy connection with tracking on on the new master");
    for (int i = 1; i <= 20; i++) {
      String expected = Integer.toString(i);
      redis.commands(newMaster).set(key, expected);
      assertEquals(
          expected,
          Polling.until(
              Duration.ofMillis(200),
              key + " = " + expected,
              () -> body(http.get("/" + key)),
              expected::equals));
    }
    String health = body(proxy.management().get("/health"));
    assertTrue(health.contains("\"127.0.0.1:" + newMaster + "\""), health);
  }

  /** A master name the sentinels do not know: the proxy says so in its log and answers 503. */
  @Test
  void anUnknownMasterNameIsLoggedAndAnswered503() {
    String address =
        redis.address().replace("#" + RedisSentinelExtension.MASTER_NAME, "#nosuchmaster");
    try (ProxyProcess misconfigured =
        ProxyExtension.builder().env("REDIS_ADDRESS", address).awaitBackend(false).start()) {
      misconfigured
          .log()
          .awaitLog(
              Pattern.compile(
                  "WARN .*name no master for 'nosuchmaster' \\(no sentinel knows a master named"
                      + " 'nosuchmaster'\\)"),
              1,
              Duration.ofSeconds(10));
      HttpResponse<byte[]> response = new ProxyClient(misconfigured).get("/sentinel:key");
      assertEquals(503, response.statusCode(), body(response));
    }
  }

  private static boolean isTrackedProxy(String clientListLine) {
    return clientListLine.contains(" name=redis-proxy ")
        && clientListLine.matches(".* flags=[A-Za-z]*t[A-Za-z]* .*");
  }
}
