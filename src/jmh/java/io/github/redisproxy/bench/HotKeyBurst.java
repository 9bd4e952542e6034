package io.github.redisproxy.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The cold hot-key burst of bench/run.sh: N concurrent GETs of one key the proxy has never seen,
 * made to overlap by pausing Redis ({@code CLIENT PAUSE}) while they arrive, then the number of
 * GETs Redis executed for them, from {@code INFO commandstats}. Coalescing means exactly 1.
 *
 * <p>{@code java -cp ... io.github.redisproxy.bench.HotKeyBurst REDIS_PORT PROXY_PORT [N]}.
 */
public final class HotKeyBurst {
  private HotKeyBurst() {}

  public static void main(String[] args) throws Exception {
    int redisPort = Integer.parseInt(args[0]);
    int proxyPort = Integer.parseInt(args[1]);
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    String key = "bench:burst:" + System.nanoTime();
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      redis.set(key, "hot value");
      long before = getCalls(redis);
      // Shorter than REDIS_TIMEOUT (1 s by default), so that neither the load nor the queued
      // requests time out.
      redis.clientPause(500); // the burst arrives while the one load waits, so the requests overlap
      long start = System.nanoTime();
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/" + key))
              .timeout(Duration.ofSeconds(30))
              .build();
      for (int i = 0; i < requests; i++) {
        answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      int ok = 0;
      for (CompletableFuture<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response = answer.get();
        if (response.statusCode() == 200 && "hot value".equals(response.body())) {
          ok++;
        }
      }
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      long gets = getCalls(redis) - before;
      System.out.printf(
          "requests=%d ok=%d redis_gets=%d elapsed_ms=%d%n", requests, ok, gets, elapsedMs);
    } finally {
      client.shutdown();
    }
  }

  private static long getCalls(RedisCommands<String, String> redis) {
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_get:")) {
        return Long.parseLong(line.replaceAll("^cmdstat_get:calls=(\\d+),.*", "$1"));
      }
    }
    return 0;
  }
}
