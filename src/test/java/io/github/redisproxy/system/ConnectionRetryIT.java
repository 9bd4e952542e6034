package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.KillArgs;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A dropped connection to Redis is not the clients' problem: a read that loses its connection is
 * retried once on the new one, within REDIS_TIMEOUT. Under steady load, with every request a Redis
 * read (a new absent key each time, so every answer should be 404), {@code CLIENT KILL TYPE normal}
 * five times gives no answer but 404, in both invalidation modes.
 */
class ConnectionRetryIT {
  private static final int CLIENTS = 16;
  private static final int KILLS = 5;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension tracking = ProxyExtension.builder().redis(redis).build();

  @RegisterExtension
  @Order(3)
  static final ProxyExtension none =
      ProxyExtension.builder().redis(redis).env("CACHE_INVALIDATION", "none").build();

  static Stream<String> modes() {
    return Stream.of("tracking", "none");
  }

  @ParameterizedTest
  @MethodSource("modes")
  void killingTheProxysConnectionUnderLoadCostsNoClientAnError(String mode) throws Exception {
    ProxyExtension proxy = mode.equals("tracking") ? tracking : none;
    ProxyClient http = proxy.http();
    double disconnectsBefore = proxy.management().metric("redis_proxy_backend_disconnects_total");
    double retriesBefore = proxy.management().metric("redis_proxy_backend_retries_total");
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running.add(
            clients.submit(
                () -> {
                  for (long n = 0; !stop.get(); n++) {
                    HttpResponse<byte[]> response =
                        http.get("/retry:" + mode + ":" + client + ":" + n);
                    statuses
                        .computeIfAbsent(response.statusCode(), s -> new LongAdder())
                        .increment();
                    sent.incrementAndGet();
                  }
                }));
      }
      for (int kill = 1; kill <= KILLS; kill++) {
        long before = sent.get();
        Polling.until(
            Duration.ofSeconds(10), "requests under way", sent::get, now -> now > before + 200);
        redis.commands().clientKill(KillArgs.Builder.typeNormal());
        double expected = disconnectsBefore + kill;
        Polling.until(
            Duration.ofSeconds(10),
            "reconnected after kill " + kill,
            () -> proxy.management().metric("redis_proxy_backend_disconnects_total"),
            disconnects -> disconnects >= expected);
        proxy.awaitBackendReady();
      }
      long beforeEnd = sent.get();
      Polling.until(
          Duration.ofSeconds(10),
          "requests after the last kill",
          sent::get,
          now -> now > beforeEnd + 200);
    } finally {
      stop.set(true);
      for (Future<?> client : running) {
        client.get();
      }
      clients.shutdown();
    }

    Map<Integer, Long> answers = new TreeMap<>();
    statuses.forEach((status, count) -> answers.put(status, count.sum()));
    assertEquals(List.of(404), List.copyOf(answers.keySet()), "answers by status: " + answers);
    assertEquals(
        disconnectsBefore + KILLS,
        proxy.management().metric("redis_proxy_backend_disconnects_total"),
        "one disconnect per kill");
    assertTrue(
        proxy.management().metric("redis_proxy_backend_retries_total") > retriesBefore,
        "some reads lost their connection and were retried");
  }
}
