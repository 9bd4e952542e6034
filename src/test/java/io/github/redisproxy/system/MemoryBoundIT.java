package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory bound: a proxy with a 256 MB heap (and the default CACHE_MAX_BYTES, a quarter of it)
 * reads 2 GB of distinct 4 MB values without running out of memory; the cached bytes stay under the
 * bound, evicting the least recently read.
 */
class MemoryBoundIT {
  private static final int VALUES = 512;
  private static final int SIZE = 4 << 20;
  private static final int PARALLEL = 4;

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder().redis(redis).jvmOptions("-Xmx256m").build();

  private static String key(int i) {
    return "big:" + i;
  }

  @Test
  void twoGigabytesOfDistinctFourMegabyteValuesReadThroughA256MegabyteHeap() {
    byte[] value = new byte[SIZE];
    Arrays.fill(value, (byte) 'v');
    redis.binary().set(key(0).getBytes(StandardCharsets.UTF_8), value);
    for (int i = 1; i < VALUES; i++) { // server-side copies: 2 GB in Redis without sending it
      redis
          .binary()
          .copy(key(0).getBytes(StandardCharsets.UTF_8), key(i).getBytes(StandardCharsets.UTF_8));
    }
    ProxyClient http = proxy.http();

    for (int first = 0; first < VALUES; first += PARALLEL) {
      List<CompletableFuture<HttpResponse<byte[]>>> batch = new ArrayList<>();
      for (int i = first; i < first + PARALLEL; i++) {
        batch.add(http.getAsync("/" + key(i)));
      }
      for (int i = 0; i < PARALLEL; i++) {
        HttpResponse<byte[]> response = batch.get(i).join();
        assertEquals(200, response.statusCode(), key(first + i));
        assertEquals(SIZE, response.body().length, key(first + i));
      }
    }

    JsonNode stats = proxy.management().cacheStats();
    long maxBytes = stats.get("max_bytes").asLong();
    assertTrue(maxBytes > 50L << 20 && maxBytes < 70L << 20, "a quarter of 256 MB: " + maxBytes);
    assertTrue(stats.get("bytes").asLong() <= maxBytes, stats.toString());
    assertTrue(
        stats.get("evictions").get("size").asLong() >= VALUES - maxBytes / SIZE, stats.toString());
    assertEquals(Optional.of("HIT"), ProxyClient.xCache(http.get("/" + key(VALUES - 1))));
    assertEquals(Optional.of("MISS"), ProxyClient.xCache(http.get("/" + key(0))));
    assertEquals(200, proxy.management().get("/health/live").statusCode(), "still alive");
  }
}
