package io.github.redisproxy.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The client span of one Redis load, a child of the request that started it. Requests that joined
 * the load in flight are marked {@code redis_proxy.coalesced} instead: they asked Redis nothing.
 */
public final class LoadSpan {
  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
  static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");

  private final Span span;

  LoadSpan(Span span) {
    this.span = span;
  }

  /** Ends the span when the load ends: {@code error} is null when it succeeded. */
  public void ended(Throwable error) {
    if (error != null) {
      span.recordException(error);
      span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    }
    span.end();
  }
}
