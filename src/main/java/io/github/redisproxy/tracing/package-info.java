/**
 * Tracing with OpenTelemetry, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: a server span per HTTP
 * request, continuing the caller's W3C {@code traceparent}, and a client span for the Redis load a
 * miss starts, exported over OTLP/HTTP. The only package that sees OpenTelemetry's types; when
 * tracing is off no OpenTelemetry code runs (the verifier loads three of its types, none is
 * initialized) and the front ends' paths test one boolean.
 */
package io.github.redisproxy.tracing;
