package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.protocol.CommandType;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that refuses {@code CLIENT TRACKING} (as one older than 6 would): the proxy warns once
 * and falls back to CACHE_INVALIDATION=none, caching with expiry only. The refusal comes from an
 * ACL user that may not run {@code CLIENT} commands.
 */
class TrackingFallbackIT {
  private static final Pattern FALLBACK =
      Pattern.compile("refused CLIENT TRACKING \\(.*\\); falling back to CACHE_INVALIDATION=none");

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** A Redis that refuses CLIENT TRACKING gets a warning and expiry only caching. */
  @Test
  void refusedTrackingFallsBackToExpiryOnly() throws Exception {
    redis
        .commands()
        .aclSetuser(
            "limited",
            AclSetuserArgs.Builder.on()
                .addPassword("secret")
                .allKeys()
                .allChannels()
                .allCommands()
                .removeCommand(CommandType.CLIENT));
    ProxyProcess proxy =
        ProxyExtension.builder()
            .env("REDIS_ADDRESS", "redis://limited:secret@127.0.0.1:" + redis.port())
            .env("GLOBAL_CACHE_EXPIRY", "3600")
            .awaitBackend(false)
            .start();
    try {
      proxy.awaitLog(FALLBACK, 1, Duration.ofSeconds(10));
      proxy.awaitBackendReady();
      ProxyClient http = new ProxyClient(proxy);
      redis.commands().set("fallback:k", "old");
      assertEquals(Optional.of("MISS"), http.get("/fallback:k").headers().firstValue("X-Cache"));
      assertEquals(Optional.of("HIT"), http.get("/fallback:k").headers().firstValue("X-Cache"));

      redis.commands().set("fallback:k", "new");
      HttpResponse<byte[]> stale = http.get("/fallback:k");
      assertEquals(
          "old",
          new String(stale.body(), StandardCharsets.UTF_8),
          "expiry only: the old value until it expires");
      assertEquals(Optional.of("HIT"), stale.headers().firstValue("X-Cache"));

      String stats =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(proxy.managementUri().resolve("/cache/stats")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      String mode = new ObjectMapper().readTree(stats).get("invalidation").asText();
      assertTrue(mode.startsWith("none (Redis refused CLIENT TRACKING: "), mode);
      assertEquals(1, proxy.linesMatching(FALLBACK).size(), "warned once");
    } finally {
      proxy.closeAndAssertNoErrorsLogged();
    }
  }
}
