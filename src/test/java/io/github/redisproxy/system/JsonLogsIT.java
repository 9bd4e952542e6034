package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * LOG_FORMAT=json: every line the proxy writes is one JSON object with {@code time}, {@code level},
 * {@code logger}, {@code thread} and {@code message}, and an access log line (ACCESS_LOG=true) also
 * carries the request's values as fields of their own. The default stays the text format.
 */
class JsonLogsIT {
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The start-up line says it is set, never what it is. */
  private static final String MANAGEMENT_TOKEN = "json-logs-it-token-0123456789";

  private static final Pattern UTC_MILLIS =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  /** A text line as it has always been: 2026-12-04T07:42:38.841Z [main] WARN ProxyServer - msg. */
  private static final Pattern TEXT_LINE =
      Pattern.compile(
          "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(?:Z|[+-]\\d{2}:\\d{2})"
              + " \\[[^\\]]+\\] (?:TRACE|DEBUG|INFO|WARN|ERROR) [A-Za-z0-9_$]+ - .*$");

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void everyLineIsOneJsonObjectAndAccessLinesCarryTheRequestsFields() {
    redis.commands().set("json:cached", "cached value");
    ProxyProcess proxy =
        ProxyExtension.builder()
            .redis(redis)
            .env("LOG_FORMAT", "json")
            .env("ACCESS_LOG", "true")
            .env("MANAGEMENT_TOKEN", MANAGEMENT_TOKEN)
            .start();
    RawHttp.Response miss;
    RawHttp.Response hit;
    try {
      miss = get(proxy, "/json:cached", "JsonLogsIT/1.0 (miss)");
      hit = get(proxy, "/json:cached", "JsonLogsIT/1.0 (hit)");
      assertThat(miss.header("X-Cache")).hasValue("MISS");
      assertThat(hit.header("X-Cache")).hasValue("HIT");
      proxy.awaitLog(Pattern.compile(Pattern.quote("JsonLogsIT/1.0 (hit)")), 1, LOG_TIMEOUT);
    } finally {
      // Stops the proxy: the lines below include its shutdown.
      proxy.closeAndAssertNoErrorsLogged();
    }

    List<String> lines = proxy.log().lines();
    List<JsonNode> events = new ArrayList<>();
    for (String line : lines) {
      JsonNode event = parse(line);
      assertThat(event.isObject()).as("a JSON object: %s", line).isTrue();
      assertThat(event.path("time").asText()).as("time: %s", line).matches(UTC_MILLIS);
      assertThat(event.path("level").asText()).as("level: %s", line).isIn(LEVELS);
      assertThat(event.path("logger").asText()).as("logger: %s", line).isNotEmpty();
      assertThat(event.path("thread").asText()).as("thread: %s", line).isNotEmpty();
      assertThat(event.path("message").asText()).as("message: %s", line).isNotEmpty();
      // ProxyLog finds the text format's " ERROR "; here the level is a field.
      assertThat(event.path("level").asText()).as("no error: %s", line).isNotEqualTo("ERROR");
      events.add(event);
    }
    assertThat(events)
        .as("the start-up line")
        .anySatisfy(
            event ->
                assertThat(event.path("message").asText())
                    .startsWith("Starting redis-proxy: ")
                    .contains("LOG_FORMAT=json", "MANAGEMENT_TOKEN=(set)"));
    assertThat(lines).as("the secret").noneMatch(line -> line.contains(MANAGEMENT_TOKEN));

    assertAccessEvent(accessEvent(events, "JsonLogsIT/1.0 (miss)"), miss, "MISS");
    assertAccessEvent(accessEvent(events, "JsonLogsIT/1.0 (hit)"), hit, "HIT");
  }

  @Test
  void textIsTheDefaultFormat() {
    ProxyProcess proxy = ProxyExtension.builder().redis(redis).start();
    proxy.closeAndAssertNoErrorsLogged();

    List<String> lines = proxy.log().lines();
    assertThat(lines).isNotEmpty().allMatch(line -> TEXT_LINE.matcher(line).matches());
    assertThat(lines)
        .anyMatch(
            line -> line.matches("^\\S+ \\[main\\] INFO ProxyServer - Starting redis-proxy: .*"));
  }

  private static void assertAccessEvent(JsonNode event, RawHttp.Response response, String cache) {
    assertThat(event.path("logger").asText()).isEqualTo("reactor.netty.http.server.AccessLog");
    assertThat(event.path("level").asText()).isEqualTo("INFO");
    assertThat(event.path("remote_address").asText()).isEqualTo("127.0.0.1");
    assertThat(event.path("method").asText()).isEqualTo("GET");
    assertThat(event.path("uri").asText()).isEqualTo("/json:cached");
    assertThat(event.path("protocol").asText()).isEqualTo("HTTP/1.1");
    assertThat(event.path("status").isInt()).as("status is a number: %s", event).isTrue();
    assertThat(event.path("status").asInt()).isEqualTo(200);
    assertThat(event.path("content_length").asLong()).isEqualTo(response.body().length);
    assertThat(event.path("cache").asText()).isEqualTo(cache);
    assertThat(event.path("duration_ms").isIntegralNumber()).as("duration: %s", event).isTrue();
    // What the request did not have is no field (the text line says "-").
    assertThat(event.has("user")).as("user: %s", event).isFalse();
    assertThat(event.has("referer")).as("referer: %s", event).isFalse();
    // The message is the text format's access line, word for word.
    assertThat(event.path("message").asText())
        .matches(
            "127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET /json:cached HTTP/1\\.1\" 200 "
                + response.body().length
                + " \"-\" \""
                + Pattern.quote(event.path("user_agent").asText())
                + "\" "
                + cache
                + " \\d+");
  }

  private static JsonNode accessEvent(List<JsonNode> events, String userAgent) {
    List<JsonNode> matching =
        events.stream()
            .filter(event -> event.path("user_agent").asText().equals(userAgent))
            .toList();
    assertThat(matching).as("access events of %s", userAgent).hasSize(1);
    return matching.get(0);
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

  /** One GET on its own connection, with this User-Agent. */
  private static RawHttp.Response get(ProxyProcess proxy, String target, String userAgent) {
    String head =
        "GET "
            + target
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: "
            + userAgent
            + "\r\nConnection: close\r\n\r\n";
    return RawHttp.exchange(
        proxy.port(), head.getBytes(StandardCharsets.ISO_8859_1), false, READ_TIMEOUT);
  }
}
