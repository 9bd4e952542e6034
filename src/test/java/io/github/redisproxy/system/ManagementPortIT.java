package io.github.redisproxy.system;

import static io.github.redisproxy.testing.ManagementClient.fieldNames;
import static io.github.redisproxy.testing.ManagementClient.json;
import static io.github.redisproxy.testing.ProxyClient.bodyOf;
import static io.github.redisproxy.testing.ProxyClient.xCache;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The management port (MANAGEMENT_PORT) itself: where it listens, what its paths answer, how a bad
 * setting of it is refused, and that it stays apart from the proxy port, whose key namespace it
 * never touches.
 */
class ManagementPortIT {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** RESP on, so that the start-up line names all three ports. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  private static final ProxyClient http = proxy.http();
  private static final ManagementClient management = proxy.management();

  /** The start-up line names the HTTP, RESP and management ports. */
  @Test
  void startUpLineNamesEveryPort() {
    Pattern startUp =
        Pattern.compile(
            " INFO ProxyServer - Listening for HTTP on 127\\.0\\.0\\.1:"
                + proxy.port()
                + ", RESP on 127\\.0\\.0\\.1:"
                + proxy.respPort()
                + ", management on 127\\.0\\.0\\.1:"
                + proxy.managementPort()
                + "; event loops: \\d+; Redis at redis://"
                + Pattern.quote(redis.address())
                + "; started in \\d+ ms$");
    assertEquals(
        1,
        proxy.linesMatching(startUp).size(),
        proxy.linesMatching(Pattern.compile("Listening")).toString());
    proxy.process().assertListensOnlyOn(proxy.port(), proxy.respPort(), proxy.managementPort());
  }

  /** With MANAGEMENT_PORT=0 the proxy opens no management port and logs none. */
  @Test
  void managementPortZeroOpensNone() {
    ProxyProcess off =
        ProxyExtension.builder()
            .redis(redis)
            .env("MANAGEMENT_PORT", "0")
            .env("EVENT_LOOPS", "1")
            .start();
    try {
      Pattern startUp =
          Pattern.compile(
              " INFO ProxyServer - Listening for HTTP on 127\\.0\\.0\\.1:"
                  + off.port()
                  + "; event loops: 1; Redis at redis://"
                  + Pattern.quote(redis.address())
                  + "; started in \\d+ ms$");
      assertEquals(
          1,
          off.linesMatching(startUp).size(),
          off.linesMatching(Pattern.compile("Listening")).toString());
      assertEquals(List.of(), off.linesMatching(Pattern.compile("management on")));
      // Where /proc exists (Linux): the HTTP port and nothing else.
      off.assertListensOnlyOn(off.port());
    } finally {
      off.closeAndAssertNoErrorsLogged();
    }
  }

  /** Keys named like the management endpoints are ordinary keys on the proxy port. */
  @Test
  void endpointNamesAreOrdinaryKeysOnTheProxyPort() {
    List<String> keys = List.of("health", "health/live", "metrics", "cache/stats");
    for (String key : keys) {
      redis.commands().set(key, "the value of " + key);
    }

    for (String key : keys) {
      HttpResponse<byte[]> first = http.get("/" + key);
      assertEquals(200, first.statusCode(), key);
      assertEquals("the value of " + key, bodyOf(first));
      assertEquals(
          Optional.of("application/octet-stream"), first.headers().firstValue("Content-Type"), key);
      assertEquals(Optional.of("MISS"), xCache(first), key);
      HttpResponse<byte[]> second = http.get("/" + key);
      assertEquals("the value of " + key, bodyOf(second));
      assertEquals(Optional.of("HIT"), xCache(second), key);
    }
    assertEquals(keys.size(), redis.getCalls(), "one Redis GET per key");

    HttpResponse<byte[]> purge = http.send("DELETE", "/cache");
    assertEquals(405, purge.statusCode(), "the proxy port purges nothing");
    assertEquals(Optional.of("GET, HEAD"), purge.headers().firstValue("Allow"));
    assertEquals(Optional.of("HIT"), xCache(http.get("/cache/stats")));
  }

  /** A wrong method on a management path is 405 with Allow and an unknown path is 404 JSON. */
  @Test
  void wrongMethodIs405AndUnknownPathIs404() {
    Map<String, String> allowed = new LinkedHashMap<>();
    allowed.put("POST /metrics", "GET");
    allowed.put("DELETE /health", "GET");
    allowed.put("PUT /health/live", "GET");
    allowed.put("DELETE /cache/stats", "GET");
    allowed.put("GET /cache/x", "DELETE");
    allowed.put("GET /cache", "DELETE");
    for (Map.Entry<String, String> request : allowed.entrySet()) {
      String[] methodAndPath = request.getKey().split(" ");
      HttpResponse<byte[]> response = management.send(methodAndPath[0], methodAndPath[1]);
      assertEquals(405, response.statusCode(), request.getKey());
      assertEquals(
          Optional.of(request.getValue()),
          response.headers().firstValue("Allow"),
          request.getKey());
      assertTrue(json(response).hasNonNull("error"), request.getKey() + ": " + bodyOf(response));
    }

    for (String path : List.of("/nope", "/", "/healthz", "/metrics/extra")) {
      HttpResponse<byte[]> response = management.get(path);
      assertEquals(404, response.statusCode(), path);
      JsonNode body = json(response);
      assertEquals(Set.of("error"), fieldNames(body), path + ": " + body);
      assertTrue(body.get("error").isTextual(), path + ": " + body);
    }
  }

  static Stream<Arguments> unusableManagementPorts() {
    int port = RedisServerProcess.freePort();
    return Stream.of(
        Arguments.of("MANAGEMENT_PORT=abc", Map.of("MANAGEMENT_PORT", "abc")),
        Arguments.of("MANAGEMENT_PORT=70000", Map.of("MANAGEMENT_PORT", "70000")),
        Arguments.of("MANAGEMENT_PORT=-1", Map.of("MANAGEMENT_PORT", "-1")),
        Arguments.of(
            "MANAGEMENT_PORT equal to PROXY_PORT",
            Map.of(
                "PROXY_PORT", Integer.toString(port), "MANAGEMENT_PORT", Integer.toString(port))),
        Arguments.of(
            "MANAGEMENT_PORT equal to RESP_PORT",
            Map.of("RESP_PORT", Integer.toString(port), "MANAGEMENT_PORT", Integer.toString(port))),
        Arguments.of("PROXY_PORT=8081, the default MANAGEMENT_PORT", Map.of("PROXY_PORT", "8081")));
  }

  /** An unusable MANAGEMENT_PORT prints one line naming it and exits 2. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableManagementPorts")
  void unusableManagementPortExits2(String description, Map<String, String> env) {
    ProxyProcess.Run run = ProxyProcess.run(List.of(), env, RUN_TIMEOUT);

    assertEquals(2, run.exitCode(), "exit code; " + run);
    assertEquals(1, run.stderr().size(), "stderr lines; " + run);
    assertTrue(
        run.stderr().get(0).contains("MANAGEMENT_PORT"),
        "stderr must name MANAGEMENT_PORT; " + run);
    assertTrue(run.stdout().isEmpty(), "nothing on stdout; " + run);
  }
}
