package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.testing.OtlpCollector;
import io.github.redisproxy.testing.OtlpCollector.ExportedSpan;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the proxy exports a server span per HTTP request that
 * continues the caller's W3C trace, and a client span for the Redis load under the request that
 * started it, to an OTLP collector (here a test one that decodes what it receives). A load span
 * ends before its request's span, and spans are exported in the order they end, so once a request's
 * span has arrived, every span of its trace has.
 */
class TracingIT {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PARENT_SPAN = "00f067aa0ba902b7";

  @RegisterExtension
  @Order(0)
  static final OtlpCollector collector = OtlpCollector.start();

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint())
          // Standard variables of the SDK, which the proxy leaves to it.
          .env("OTEL_SERVICE_NAME", "tracing-it")
          .env("OTEL_BSP_SCHEDULE_DELAY", "20")
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .build();

  private static final ProxyClient http = proxy.http();

  @Test
  void aMissContinuesTheCallersTraceWithAChildSpanForItsRedisLoad() {
    redis.commands().set("traced:miss", "v");
    String trace = newTraceId();

    HttpResponse<byte[]> response = get("/traced:miss", trace);

    assertThat(response.statusCode()).isEqualTo(200);
    ExportedSpan request = awaitRequestSpan(trace);
    assertThat(request.parentSpanId()).isEqualTo(PARENT_SPAN);
    assertThat(request.name()).isEqualTo("GET /{key}");
    assertThat(request.attributes())
        .containsEntry("http.request.method", "GET")
        .containsEntry("url.path", "/traced:miss")
        .containsEntry("http.route", "/{key}")
        .containsEntry("network.protocol.version", "1.1")
        .containsEntry("client.address", "127.0.0.1")
        .containsEntry("http.response.status_code", "200")
        .containsEntry("redis_proxy.cache", "MISS");
    assertThat(request.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
    assertThat(request.resource()).containsEntry("service.name", "tracing-it");

    List<ExportedSpan> spans = collector.trace(trace);
    assertThat(spans).hasSize(2);
    ExportedSpan load = other(spans, request);
    assertThat(load.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
    assertThat(load.name()).isEqualTo("GET");
    assertThat(load.parentSpanId()).isEqualTo(request.spanId());
    assertThat(load.attributes())
        .containsEntry("db.system.name", "redis")
        .containsEntry("db.operation.name", "GET");
    assertThat(load.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
  }

  @Test
  void aHitIsOneSpanAndAsksRedisNothing() {
    redis.commands().set("traced:hit", "v");
    http.get("/traced:hit");
    String trace = newTraceId();

    HttpResponse<byte[]> response = get("/traced:hit", trace);

    assertThat(ProxyClient.xCache(response)).hasValue("HIT");
    ExportedSpan request = awaitRequestSpan(trace);
    assertThat(request.attributes()).containsEntry("redis_proxy.cache", "HIT");
    assertThat(collector.trace(trace)).containsExactly(request);
  }

  @Test
  void aRequestWithoutTraceparentStartsItsOwnTrace() {
    http.get("/traced:untraced");

    ExportedSpan request =
        collector.await(
            "the span of GET /traced:untraced",
            span -> "/traced:untraced".equals(span.attribute("url.path")));
    assertThat(request.parentSpanId()).isEmpty();
    assertThat(request.traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
    assertThat(request.attributes()).containsEntry("http.response.status_code", "404");
    assertThat(collector.trace(request.traceId())).hasSize(2); // the request, and its Redis GET
  }

  /**
   * Two concurrent misses of one key: the first request's trace holds the one Redis GET; the second
   * joined that load, asked Redis nothing, and says so.
   */
  @Test
  void aRequestThatJoinsALoadInFlightIsMarkedCoalesced() throws Exception {
    String key = "traced:coalesced";
    redis.commands().set(key, "v");
    String first = newTraceId();
    String second = newTraceId();
    // Long enough for both requests to reach the cache on a slow machine; they are answered when
    // the pause ends (REDIS_TIMEOUT is 10 s).
    redis.pause(Duration.ofSeconds(6));

    CompletableFuture<HttpResponse<byte[]>> starting = getAsync("/" + key, first);
    awaitDebugLine("miss key=" + key + " started a load");
    CompletableFuture<HttpResponse<byte[]>> joining = getAsync("/" + key, second);
    awaitDebugLine("coalesced key=" + key + " joined the load in flight");

    assertThat(starting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(joining.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    ExportedSpan started = awaitRequestSpan(first);
    ExportedSpan joined = awaitRequestSpan(second);
    assertThat(collector.trace(first)).hasSize(2);
    assertThat(started.attributes()).doesNotContainKey("redis_proxy.coalesced");
    assertThat(collector.trace(second)).containsExactly(joined);
    assertThat(joined.attributes()).containsEntry("redis_proxy.coalesced", "true");
  }

  /** Redis answers with an error: the load's span failed; the request's (a 409) did not. */
  @Test
  void aFailedLoadMarksTheRedisSpanFailed() {
    redis.commands().hset("traced:hash", "field", "v");
    String trace = newTraceId();

    assertThat(get("/traced:hash", trace).statusCode()).isEqualTo(409);

    ExportedSpan request = awaitRequestSpan(trace);
    assertThat(request.attributes()).containsEntry("http.response.status_code", "409");
    assertThat(request.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
    ExportedSpan load = other(collector.trace(trace), request);
    assertThat(load.status()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
  }

  /**
   * A method no route serves is traced too, named by its method alone; a method HTTP does not
   * define is recorded as {@code _OTHER} under the name {@code HTTP}, so that clients cannot mint
   * span names.
   */
  @Test
  void aRefusedMethodIsTracedWithoutARoute() {
    String trace = newTraceId();
    String invented = newTraceId();

    HttpResponse<byte[]> response = http.send("DELETE", "/traced:x", "traceparent", parent(trace));
    http.send("BREW", "/traced:x", "traceparent", parent(invented));

    assertThat(response.statusCode()).isEqualTo(405);
    ExportedSpan request = awaitRequestSpan(trace);
    assertThat(request.name()).isEqualTo("DELETE");
    assertThat(request.attributes())
        .containsEntry("http.request.method", "DELETE")
        .containsEntry("http.response.status_code", "405")
        .doesNotContainKey("http.route");
    assertThat(collector.trace(trace)).containsExactly(request);
    ExportedSpan brew = awaitRequestSpan(invented);
    assertThat(brew.name()).isEqualTo("HTTP");
    assertThat(brew.attributes())
        .containsEntry("http.request.method", "_OTHER")
        .containsEntry("http.request.method_original", "BREW");
  }

  private static HttpResponse<byte[]> get(String path, String trace) {
    return http.send("GET", path, "traceparent", parent(trace));
  }

  private static CompletableFuture<HttpResponse<byte[]>> getAsync(String path, String trace) {
    return CompletableFuture.supplyAsync(() -> get(path, trace));
  }

  private static void awaitDebugLine(String message) {
    proxy.awaitLog(Pattern.compile(Pattern.quote(message) + "$"), 1, Duration.ofSeconds(5));
  }

  private static ExportedSpan awaitRequestSpan(String trace) {
    return collector.await(
        "the request span of trace " + trace,
        span -> span.traceId().equals(trace) && span.kind() == SpanKind.SPAN_KIND_SERVER);
  }

  private static ExportedSpan other(List<ExportedSpan> spans, ExportedSpan request) {
    return spans.stream().filter(span -> !span.equals(request)).findFirst().orElseThrow();
  }

  /** A W3C traceparent: version 00, the trace, the caller's span, sampled. */
  private static String parent(String trace) {
    return "00-" + trace + "-" + PARENT_SPAN + "-01";
  }

  private static String newTraceId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }
}
