package io.github.redisproxy.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.Set;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The server span of one HTTP request. Attribute names follow OpenTelemetry's semantic conventions
 * for HTTP; the proxy's own are under {@code redis_proxy.}.
 */
public final class RequestSpan {
  /** The Reactor context key the lookup finds the span under. */
  private static final Object KEY = RequestSpan.class;

  /** The methods of RFC 9110 and PATCH; any other is recorded as {@code _OTHER}. */
  static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> METHOD_ORIGINAL =
      AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> PROTOCOL_VERSION =
      AttributeKey.stringKey("network.protocol.version");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> CACHE = AttributeKey.stringKey("redis_proxy.cache");
  static final AttributeKey<Boolean> COALESCED = AttributeKey.booleanKey("redis_proxy.coalesced");

  private final Span span;

  RequestSpan(Span span) {
    this.span = span;
  }

  /** The span of the request whose publisher carries {@code view}, or null. */
  static RequestSpan in(ContextView view) {
    return view.getOrDefault(KEY, null);
  }

  Span span() {
    return span;
  }

  /** {@code context} with this span in it, for the lookup under the request. */
  public Context putIn(Context context) {
    return context.put(KEY, this);
  }

  /**
   * {@code known}: whether HTTP defines the method; one it does not is recorded as {@code _OTHER}.
   */
  RequestSpan method(String method, boolean known, String route) {
    if (known) {
      span.setAttribute(METHOD, method);
    } else {
      span.setAttribute(METHOD, "_OTHER");
      span.setAttribute(METHOD_ORIGINAL, method);
    }
    if (route != null) {
      span.setAttribute(ROUTE, route);
    }
    return this;
  }

  /**
   * What was asked: the path (without its query), the protocol version and the client's address
   * (any may be null).
   */
  public RequestSpan request(String path, String protocolVersion, String clientAddress) {
    if (path != null) {
      span.setAttribute(PATH, path);
    }
    if (protocolVersion != null) {
      span.setAttribute(PROTOCOL_VERSION, protocolVersion);
    }
    if (clientAddress != null) {
      span.setAttribute(CLIENT_ADDRESS, clientAddress);
    }
    return this;
  }

  void joinedLoad() {
    span.setAttribute(COALESCED, true);
  }

  /**
   * Ends the span with the response's status and where the answer came from ({@code X-Cache}: HIT,
   * MISS, BYPASS, STALE, or null when there was no value). A 5xx marks the span as failed.
   */
  public void answered(int status, String cache) {
    span.setAttribute(STATUS, (long) status);
    if (cache != null) {
      span.setAttribute(CACHE, cache);
    }
    if (status >= 500) {
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Ends the span of a request whose client went away before an answer was sent. */
  public void cancelled() {
    span.setAttribute(ERROR_TYPE, "cancelled");
    span.end();
  }
}
