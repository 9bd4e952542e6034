package io.github.redisproxy.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.blockhound.BlockHoundSessionListener;
import io.github.redisproxy.config.ConfigLoader;
import io.github.redisproxy.config.ProxyConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * Runs the whole proxy in this JVM, where BlockHound is installed ({@link
 * BlockHoundSessionListener}), and drives every kind of request through it against a real
 * redis-server, including a backend that times out, goes away and comes back, with tracing on. Any
 * blocking call on an event loop fails the request that made it and is recorded.
 */
class RequestPathIsNonBlockingTest {
  private static RedisServerProcess redis;
  private static RedisClient redisClient;
  private static StatefulRedisConnection<String, String> connection;
  private static ProxyServer proxy;
  private static HttpClient http;
  private static HttpClient management;

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
    redisClient = RedisClient.create("redis://127.0.0.1:" + redis.port());
    connection = redisClient.connect();
    int port = RedisServerProcess.freePort();
    int managementPort;
    do {
      managementPort = RedisServerProcess.freePort();
    } while (managementPort == port);
    ProxyConfig config =
        ConfigLoader.load(
            List.of(),
            Map.of(
                "REDIS_ADDRESS",
                "127.0.0.1:" + redis.port(),
                "PROXY_PORT",
                Integer.toString(port),
                "MANAGEMENT_PORT",
                Integer.toString(managementPort),
                "BIND_ADDRESS",
                "127.0.0.1",
                "REDIS_TIMEOUT",
                "0.3",
                "CACHE_CAPACITY",
                "2",
                // Tracing on, so that spans are started and ended on the event loops under
                // BlockHound too; nothing listens there, and the exporter's failures are its own
                // thread's business.
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:" + RedisServerProcess.freePort()),
            Path.of("does-not-exist.env"));
    proxy = ProxyServer.start(config);
    http = HttpClient.create().baseUrl("http://127.0.0.1:" + port);
    management = HttpClient.create().baseUrl("http://127.0.0.1:" + managementPort);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.stop();
    }
    if (connection != null) {
      connection.close();
      redisClient.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static int status(String method, String path) {
    return status(http, method, path);
  }

  private static int managementStatus(String method, String path) {
    return status(management, method, path);
  }

  private static int status(HttpClient client, String method, String path) {
    return client
        .request(io.netty.handler.codec.http.HttpMethod.valueOf(method))
        .uri(path)
        .responseSingle(
            (response, body) ->
                body.asByteArray().defaultIfEmpty(new byte[0]).thenReturn(response.status().code()))
        .block(Duration.ofSeconds(5));
  }

  @Test
  void noRequestBlocksAnEventLoop() {
    int violationsBefore = BlockHoundSessionListener.violations().size();
    RedisCommands<String, String> commands = connection.sync();
    commands.set("a", "1");
    commands.set("b", "2");
    commands.set("c", "3");
    commands.rpush("list", "x");

    List<Integer> statuses = new ArrayList<>();
    for (String path : List.of("/a", "/a", "/b", "/c", "/a", "/missing", "/list", "/", "/%zz")) {
      statuses.add(status("GET", path));
    }
    statuses.add(status("HEAD", "/b"));
    statuses.add(status("DELETE", "/b"));
    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 404, 409, 400, 400, 200, 405);

    // Many concurrent misses and hits, answered on Lettuce's and Reactor Netty's threads.
    List<Integer> concurrent =
        Flux.range(0, 200)
            .flatMap(
                i ->
                    Mono.fromCallable(() -> status("GET", "/" + (i % 2 == 0 ? "a" : "k" + i)))
                        .subscribeOn(Schedulers.boundedElastic()),
                32)
            .collectList()
            .block(Duration.ofSeconds(30));
    assertThat(concurrent).containsOnly(200, 404);

    // The management port: a health check (a PING to Redis), a scrape, the statistics and both
    // purges.
    List<Integer> managed = new ArrayList<>();
    managed.add(managementStatus("GET", "/health"));
    managed.add(managementStatus("GET", "/health/live"));
    managed.add(managementStatus("GET", "/metrics"));
    managed.add(managementStatus("GET", "/cache/stats"));
    managed.add(managementStatus("DELETE", "/cache/a"));
    managed.add(managementStatus("DELETE", "/cache"));
    managed.add(managementStatus("GET", "/nothing-here"));
    assertThat(managed).containsExactly(200, 200, 200, 200, 200, 200, 404);

    // A backend that does not answer in time, then one that is gone, then back again.
    commands.clientPause(1_000);
    assertThat(status("GET", "/slow")).isEqualTo(503);
    redis.close();
    assertThat(status("GET", "/gone")).isEqualTo(503);
    assertThat(managementStatus("GET", "/health")).isEqualTo(503);
    redis = RedisServerProcess.start(redis.port());
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int recovered;
    do {
      recovered = status("GET", "/back");
    } while (recovered != 404 && System.nanoTime() < deadline);
    assertThat(recovered).isEqualTo(404);

    List<String> violations = BlockHoundSessionListener.violations();
    assertThat(violations.subList(violationsBefore, violations.size())).isEmpty();
  }

  @Test
  void blockHoundIsActiveInThisJvm() {
    // Guards the guard: if BlockHound were not installed, the test above would pass vacuously.
    assertThatThrownBy(
            () ->
                Mono.fromCallable(
                        () -> {
                          Thread.sleep(1);
                          return 1;
                        })
                    .subscribeOn(Schedulers.parallel())
                    .block(Duration.ofSeconds(5)))
        .hasCauseInstanceOf(BlockingOperationError.class);
  }
}
