package io.github.redisproxy.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;

/**
 * Invalidation delay: from a {@code SET} acknowledged by Redis to the first proxy response that
 * carries the new value. One sample per write: SET, then GET through the proxy in a tight loop
 * until the body is the new value. The key is read once before each write so that it is cached (and
 * tracked) when it changes.
 *
 * <p>The same run times the GETs that read the cached value before each write: an HTTP round trip
 * on a hit, the floor under which no delay measured this way can go (the poll that sees the new
 * value is one such round trip).
 *
 * <p>{@code java -cp ... io.github.redisproxy.bench.InvalidationDelay REDIS_PORT PROXY_PORT
 * [SAMPLES]}; bench/ invalidation.sh runs it. Loopback only; bounded by SAMPLES and a 1 s limit per
 * sample.
 */
public final class InvalidationDelay {
  private InvalidationDelay() {}

  public static void main(String[] args) throws Exception {
    int redisPort = Integer.parseInt(args[0]);
    int proxyPort = Integer.parseInt(args[1]);
    int samples = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest read =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/bench:invalidation"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long[] delays = new long[samples];
    long[] hits = new long[samples];
    int polls = 0;
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      redis.set("bench:invalidation", "warm-up");
      for (int i = 0; i < 200; i++) {
        http.send(read, HttpResponse.BodyHandlers.ofString());
      }
      for (int i = 0; i < samples; i++) {
        String value = "value-" + i;
        // Cached (and tracked) before it changes.
        http.send(read, HttpResponse.BodyHandlers.ofString());
        long hitStart = System.nanoTime();
        http.send(read, HttpResponse.BodyHandlers.ofString());
        hits[i] = System.nanoTime() - hitStart;
        redis.set("bench:invalidation", value);
        long written = System.nanoTime();
        long deadline = written + Duration.ofSeconds(1).toNanos();
        while (true) {
          polls++;
          String body = http.send(read, HttpResponse.BodyHandlers.ofString()).body();
          long now = System.nanoTime();
          if (value.equals(body)) {
            delays[i] = now - written;
            break;
          }
          if (now > deadline) {
            delays[i] = Long.MAX_VALUE; // still stale after 1 s
            break;
          }
        }
      }
    } finally {
      client.shutdown();
    }
    Arrays.sort(delays);
    Arrays.sort(hits);
    long stale = Arrays.stream(delays).filter(delay -> delay == Long.MAX_VALUE).count();
    System.out.printf(
        "samples=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%s still_stale_after_1s=%d polls_per_sample=%.1f%n",
        samples,
        millis(delays[samples / 2]),
        millis(delays[(int) (samples * 0.9)]),
        millis(delays[(int) (samples * 0.99)]),
        stale > 0 ? ">1000" : String.format("%.3f", millis(delays[samples - 1])),
        stale,
        (double) polls / samples);
    System.out.printf(
        "hit_round_trip p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f%n",
        millis(hits[samples / 2]),
        millis(hits[(int) (samples * 0.9)]),
        millis(hits[(int) (samples * 0.99)]));
  }

  private static double millis(long nanos) {
    return nanos == Long.MAX_VALUE ? Double.NaN : nanos / 1e6;
  }
}
