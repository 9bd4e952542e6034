package io.github.redisproxy.tracing;

import io.github.redisproxy.config.ConfigException;
import io.github.redisproxy.config.TracingConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.util.context.ContextView;

/**
 * The proxy's tracer: {@link #off()} (the default), or an OpenTelemetry SDK built by the SDK's own
 * autoconfiguration, so that operators set it up with the variables every OpenTelemetry SDK reads
 * ({@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_SAMPLER}, {@code OTEL_EXPORTER_OTLP_HEADERS}, …).
 *
 * <p>The request's span travels to the lookup in the Reactor context of the request's publisher
 * (under {@link RequestSpan}'s key), not in a thread-local: a lookup may wait for a concurrency
 * slot and start its load on another thread.
 */
public final class Tracing implements AutoCloseable {
  // Holds no OpenTelemetry constant: with tracing off, no OpenTelemetry class is initialized.
  private static final Tracing OFF = new Tracing(null, null, null);

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  private Tracing(OpenTelemetrySdk sdk, Tracer tracer, TextMapPropagator propagator) {
    this.sdk = sdk;
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** No tracing: {@link #enabled()} is false and nothing is recorded. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * Tracing as {@code config} says: off, or an SDK exporting to its endpoint.
   *
   * @throws ConfigException when an {@code OTEL_*} variable the SDK reads has an unusable value
   */
  public static Tracing start(TracingConfig config) {
    if (!config.enabled()) {
      return OFF;
    }
    OpenTelemetrySdk sdk;
    try {
      sdk =
          AutoConfiguredOpenTelemetrySdk.builder()
              // Defaults that the standard variables still override.
              .addPropertiesSupplier(
                  () ->
                      Map.of(
                          "otel.service.name", "redis-proxy",
                          "otel.traces.exporter", "otlp",
                          "otel.exporter.otlp.protocol", "http/protobuf",
                          // Metrics are Prometheus' job here, and logs go to standard output.
                          "otel.metrics.exporter", "none",
                          "otel.logs.exporter", "none"))
              // The proxy's setting wins, whichever of .env, the environment or a flag it came
              // from, also over OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the start-up line names where
              // spans go.
              .addPropertiesCustomizer(properties -> endpoints(config, properties))
              // The proxy flushes and closes the SDK itself, after the last request has drained.
              .disableShutdownHook()
              .build()
              .getOpenTelemetrySdk();
    } catch (ConfigurationException e) {
      // Some failures say only "Unexpected configuration error"; their cause says what.
      String cause =
          e.getCause() == null || e.getCause().getMessage() == null
              ? ""
              : ": " + e.getCause().getMessage();
      throw new ConfigException("OpenTelemetry (OTEL_* variables): " + e.getMessage() + cause);
    }
    return new Tracing(
        sdk, sdk.getTracer("io.github.redisproxy"), sdk.getPropagators().getTextMapPropagator());
  }

  /**
   * The exporter's endpoint properties. The traces endpoint (a full URL, for OTLP/HTTP) is set only
   * for OTLP/HTTP, so that another protocol fails with the SDK's own word on it.
   */
  private static Map<String, String> endpoints(TracingConfig config, ConfigProperties properties) {
    String protocol =
        properties.getString(
            "otel.exporter.otlp.traces.protocol",
            properties.getString("otel.exporter.otlp.protocol", "http/protobuf"));
    String url = config.otlpEndpoint().orElseThrow().toString();
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    return protocol.equals("http/protobuf")
        ? Map.of(
            "otel.exporter.otlp.endpoint",
            base,
            "otel.exporter.otlp.traces.endpoint",
            base + "/v1/traces")
        : Map.of("otel.exporter.otlp.endpoint", base);
  }

  /** Whether spans are recorded; when false, no other method may be called. */
  public boolean enabled() {
    return sdk != null;
  }

  /**
   * Starts the server span of an HTTP request, as a child of the caller's span if its headers carry
   * one. It is named {@code METHOD route}, or the method alone without a route; a method HTTP does
   * not define is {@code _OTHER} and the span {@code HTTP}, as OpenTelemetry's conventions say, so
   * that clients cannot mint span names.
   *
   * @param route the route that serves the request, e.g. {@code /{key}}, or null
   * @param header the request's header of a name, or null
   */
  public RequestSpan startRequest(String method, String route, Function<String, String> header) {
    Context parent = propagator.extract(Context.root(), header, HeaderGetter.INSTANCE);
    boolean known = RequestSpan.KNOWN_METHODS.contains(method);
    String name = !known ? "HTTP" : route == null ? method : method + " " + route;
    Span span = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    return new RequestSpan(span).method(method, known, route);
  }

  /**
   * The client span of a Redis load that the request in {@code view} has just started; null when
   * the lookup runs outside a traced request.
   */
  public LoadSpan startLoad(ContextView view) {
    RequestSpan request = RequestSpan.in(view);
    if (request == null) {
      return null;
    }
    Span span =
        tracer
            .spanBuilder("GET")
            .setParent(Context.root().with(request.span()))
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(LoadSpan.DB_SYSTEM, "redis")
            .setAttribute(LoadSpan.DB_OPERATION, "GET")
            .startSpan();
    return new LoadSpan(span);
  }

  /**
   * Marks the request in {@code view}, if traced, as one that waited for another request's load.
   */
  public void joinedLoad(ContextView view) {
    RequestSpan request = RequestSpan.in(view);
    if (request != null) {
      request.joinedLoad();
    }
  }

  /**
   * Exports the spans still buffered, then stops the exporter. Bounded by 3 seconds, so that a
   * collector that is down (the exporter retries) cannot eat a supervisor's grace period: docker
   * compose gives SHUTDOWN_TIMEOUT plus 5 seconds.
   */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(3, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads trace headers from a request by name, through a function of the header's name: W3C's
   * propagators ask by name, never for the list of every header.
   */
  private enum HeaderGetter implements TextMapGetter<Function<String, String>> {
    INSTANCE;

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  }
}
