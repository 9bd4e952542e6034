package io.github.redisproxy.config;

import java.net.URI;
import java.util.Optional;

/**
 * Tracing: where spans go, if anywhere. Only the switch is a proxy setting; the OpenTelemetry SDK
 * reads the rest of its standard {@code OTEL_*} variables (service name, sampler, headers) itself.
 *
 * @param otlpEndpoint OTEL_EXPORTER_OTLP_ENDPOINT: the collector's OTLP/HTTP base URL, or empty
 *     when tracing is off
 */
public record TracingConfig(Optional<URI> otlpEndpoint) {
  /** No tracing. */
  public static final TracingConfig OFF = new TracingConfig(Optional.empty());

  public boolean enabled() {
    return otlpEndpoint.isPresent();
  }
}
