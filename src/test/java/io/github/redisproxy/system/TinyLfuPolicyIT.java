package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CACHE_POLICY=tinylfu changes only which key is evicted: hits, misses and absent keys behave as
 * with lru.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TinyLfuPolicyIT {
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static ProxyProcess proxy;
  private static ProxyClient http;

  @BeforeAll
  static void startProxy() {
    proxy = ProxyProcess.start(Map.of("REDIS_ADDRESS", redis.address(), "CACHE_POLICY", "tinylfu"));
    proxy.awaitBackendReady();
    http = new ProxyClient(proxy);
  }

  @AfterAll
  static void stopProxy() {
    if (proxy != null) {
      proxy
          .closeAndAssertNoErrorsLogged(); // also surfaces buffer leaks: GC, then one more request,
      // then the log
    }
  }

  @Test
  void with_tinylfu_a_value_is_a_miss_then_a_hit_and_an_absent_key_is_404_and_not_cached() {
    redis.commands().set("tinylfu:k", "tiny value");

    HttpResponse<byte[]> miss = http.get("/tinylfu:k");
    assertEquals(200, miss.statusCode());
    assertEquals("tiny value", new String(miss.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("MISS"), miss.headers().firstValue("X-Cache"));

    HttpResponse<byte[]> hit = http.get("/tinylfu:k");
    assertEquals(200, hit.statusCode());
    assertEquals("tiny value", new String(hit.body(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("HIT"), hit.headers().firstValue("X-Cache"));
    assertEquals(1, redis.getCalls());

    assertEquals(404, http.get("/tinylfu:absent").statusCode());
    redis.commands().set("tinylfu:absent", "arrived");
    HttpResponse<byte[]> arrived = http.get("/tinylfu:absent");
    assertEquals(200, arrived.statusCode());
    assertEquals("arrived", new String(arrived.body(), StandardCharsets.UTF_8));
    assertEquals(3, redis.getCalls());
  }
}
