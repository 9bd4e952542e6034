package io.github.redisproxy.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBufUtil;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An OpenTelemetry collector for tests: accepts OTLP/HTTP trace exports ({@code POST /v1/traces},
 * protobuf) on a free loopback port, decodes them with the protocol's own classes and keeps every
 * span with its resource's attributes. Registered as an extension ahead of the proxy's, it closes
 * after the proxy has stopped and sent its last spans.
 */
public final class OtlpCollector implements AfterAllCallback, AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();

  /** A span as exported, with the ids in hex and the attributes as strings. */
  public record ExportedSpan(
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      Span.SpanKind kind,
      Map<String, String> attributes,
      io.opentelemetry.proto.trace.v1.Status.StatusCode status,
      Map<String, String> resource) {

    public String attribute(String name) {
      return attributes.get(name);
    }
  }

  private final DisposableServer server;
  private final ConcurrentLinkedQueue<ExportedSpan> spans = new ConcurrentLinkedQueue<>();

  private OtlpCollector() {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                routes ->
                    routes.post(
                        "/v1/traces",
                        (request, response) ->
                            request
                                .receive()
                                .aggregate()
                                .map(ByteBufUtil::getBytes)
                                .defaultIfEmpty(new byte[0])
                                .flatMap(
                                    body -> {
                                      try {
                                        keep(ExportTraceServiceRequest.parseFrom(body));
                                      } catch (InvalidProtocolBufferException e) {
                                        return response.status(400).send().then();
                                      }
                                      return response
                                          .header("Content-Type", "application/x-protobuf")
                                          .sendByteArray(
                                              Mono.just(
                                                  ExportTraceServiceResponse.getDefaultInstance()
                                                      .toByteArray()))
                                          .then();
                                    })))
            .bindNow();
  }

  public static OtlpCollector start() {
    return new OtlpCollector();
  }

  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.port();
  }

  /** Every span of {@code traceId} received so far. */
  public List<ExportedSpan> trace(String traceId) {
    List<ExportedSpan> found = new ArrayList<>();
    for (ExportedSpan span : spans) {
      if (span.traceId().equals(traceId)) {
        found.add(span);
      }
    }
    return found;
  }

  /** Waits until a span that {@code wanted} accepts has been received, and returns it. */
  public ExportedSpan await(String what, Predicate<ExportedSpan> wanted) {
    return Polling.until(
            Duration.ofSeconds(10),
            what,
            () -> spans.stream().filter(wanted).findFirst(),
            found -> found.isPresent())
        .orElseThrow();
  }

  private void keep(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      Map<String, String> resource = strings(resourceSpans.getResource().getAttributesList());
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          spans.add(
              new ExportedSpan(
                  HEX.formatHex(span.getTraceId().toByteArray()),
                  HEX.formatHex(span.getSpanId().toByteArray()),
                  HEX.formatHex(span.getParentSpanId().toByteArray()),
                  span.getName(),
                  span.getKind(),
                  strings(span.getAttributesList()),
                  span.getStatus().getCode(),
                  resource));
        }
      }
    }
  }

  private static Map<String, String> strings(List<KeyValue> attributes) {
    Map<String, String> values = new HashMap<>();
    for (KeyValue attribute : attributes) {
      var value = attribute.getValue();
      values.put(
          attribute.getKey(),
          switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> value.toString();
          });
    }
    return values;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    server.disposeNow();
  }
}
