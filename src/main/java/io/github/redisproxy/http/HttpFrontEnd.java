package io.github.redisproxy.http;

import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.access.BearerToken;
import io.github.redisproxy.access.Client;
import io.github.redisproxy.config.ServerConfig;
import io.github.redisproxy.lookup.Key;
import io.github.redisproxy.lookup.Lookup;
import io.github.redisproxy.lookup.LookupException;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.metrics.ConnectionLimit;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.github.redisproxy.metrics.RequestRecorder;
import io.github.redisproxy.tls.ServerTls;
import io.github.redisproxy.tracing.RequestSpan;
import io.github.redisproxy.tracing.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The HTTP surface: {@code GET /{key}} and {@code HEAD /{key}}, and 405 for every other method.
 *
 * <p>Each request is one {@code Mono} pipeline: decode the key, look it up, write the status and
 * the value's bytes (wrapped, not copied). Nothing here blocks; a request that waits for Redis
 * holds no thread.
 */
public final class HttpFrontEnd {
  private static final Logger log = LoggerFactory.getLogger(HttpFrontEnd.class);

  /** Longest request line accepted (method, target and version); longer gets 414. */
  static final int MAX_REQUEST_LINE = 8192;

  /** Largest header block accepted; larger gets 431. */
  static final int MAX_HEADERS = 16384;

  // AsciiString constants: Netty keeps their bytes and hash, so the hit path encodes no header name
  // or value per request.
  private static final AsciiString X_CACHE = AsciiString.cached("X-Cache");
  private static final Map<Lookup.Source, AsciiString> X_CACHE_VALUES = xCacheValues();
  // Cache-Control values for the common max-ages, made once each.
  private static final AsciiString[] MAX_AGES = new AsciiString[4096];
  private static final String ALLOW = "GET, HEAD";
  private static final AsciiString OCTET_STREAM = HttpHeaderValues.APPLICATION_OCTET_STREAM;
  private static final String TEXT = "text/plain; charset=utf-8";

  private static final String ROUTE = "/{key}";

  private static final String REALM = "Bearer realm=\"redis-proxy\"";
  private static final String INVALID_TOKEN = REALM + ", error=\"invalid_token\"";

  private final LookupService lookups;
  private final AccessControl access;
  private final MeterRegistry registry;
  private final RequestRecorder requests;
  private final Tracing tracing;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder headerTimeouts = new LongAdder();
  private volatile boolean draining;

  /** {@code access}: who may read which keys ({@link AccessControl#off()}: everyone, all). */
  public HttpFrontEnd(LookupService lookups, AccessControl access, MeterRegistry registry) {
    this(lookups, access, registry, Tracing.off());
  }

  /** As above, with a span per request when {@code tracing} is {@link Tracing#enabled()}. */
  public HttpFrontEnd(
      LookupService lookups, AccessControl access, MeterRegistry registry, Tracing tracing) {
    this.lookups = lookups;
    this.access = access;
    this.registry = registry;
    this.tracing = tracing;
    this.requests = new RequestRecorder(registry, "http");
    Meters.frontEnd(registry, "http", inFlight, connections);
    Meters.counter(
        registry,
        MeterNames.REQUEST_HEADER_TIMEOUTS,
        "HTTP connections closed because a request's headers took longer than REQUEST_HEADER_TIMEOUT",
        headerTimeouts,
        LongAdder::sum);
  }

  /**
   * Binds the HTTP port and returns once it accepts connections: over TLS (HTTP/1.1 and h2 by ALPN)
   * when {@code tls} is given, else in clear text (HTTP/1.1 and h2c).
   */
  public DisposableServer bind(ServerConfig config, LoopResources loops, Optional<ServerTls> tls) {
    ConnectionLimit limit = new ConnectionLimit(registry, "http", config.maxConnections());
    HttpServer server = HttpServer.create();
    if (tls.isPresent()) {
      server = tls.get().secure(server, registry).protocol(HttpProtocol.HTTP11, HttpProtocol.H2);
    } else {
      // h2c by prior knowledge, or by the HTTP/1.1 Upgrade
      server = server.protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);
    }
    if (!config.idleTimeout().isZero()) {
      server = server.idleTimeout(config.idleTimeout()); // a keep-alive connection left silent
    }
    return server
        .runOn(loops)
        .host(config.bindAddress())
        .port(config.port())
        .httpRequestDecoder(
            decoder -> decoder.maxInitialLineLength(MAX_REQUEST_LINE).maxHeaderSize(MAX_HEADERS))
        .http2Settings(settings -> settings.maxConcurrentStreams(config.http2MaxStreams()))
        .accessLog(config.accessLog(), AccessLogFormat::format)
        // Once per TCP connection. Not doOnConnection: for HTTP/1.1 that runs once per request
        // (each request is a new "connection" of Reactor Netty's), and a close listener added per
        // request piles up on a keep-alive channel.
        .doOnChannelInit(
            (observer, channel, remoteAddress) -> {
              if (!limit.admit(channel)) {
                return;
              }
              connections.incrementAndGet();
              channel.closeFuture().addListener(closed -> connections.decrementAndGet());
              if (!config.requestHeaderTimeout().isZero()) {
                RequestHeaderDeadline.install(
                    channel.pipeline(), config.requestHeaderTimeout(), headerTimeouts);
              }
            })
        .route(
            routes ->
                routes
                    .route(
                        request -> request.method().equals(HttpMethod.GET),
                        (req, res) -> serve(req, res, true))
                    .route(
                        request -> request.method().equals(HttpMethod.HEAD),
                        (req, res) -> serve(req, res, false))
                    .route(request -> true, this::methodNotAllowed))
        .bindNow();
  }

  /** Requests that have arrived and not yet been answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * From now on, responses ask clients to close their connection, so that keep-alive clients move
   * elsewhere.
   */
  public void startDraining() {
    draining = true;
  }

  private Publisher<Void> serve(
      HttpServerRequest request, HttpServerResponse response, boolean withBody) {
    long start = System.nanoTime();
    inFlight.incrementAndGet();
    if (draining) {
      response.keepAlive(false);
    }
    String command = withBody ? "get" : "head";
    RequestSpan span = tracing.enabled() ? startSpan(request, ROUTE) : null;
    Client client = null;
    if (access.enabled()) {
      byte[] token = BearerToken.from(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
      client = token == null ? null : access.authenticate(token).orElse(null);
      if (client == null) {
        response.header(HttpHeaderNames.WWW_AUTHENTICATE, token == null ? REALM : INVALID_TOKEN);
        return respondText(
                response,
                HttpResponseStatus.UNAUTHORIZED,
                token == null ? "this proxy needs Authorization: Bearer <token>" : "unknown token",
                withBody)
            .doFinally(signal -> finished(command, response, start, span));
      }
    }
    Key key;
    try {
      key = KeyDecoder.decode(request.uri());
    } catch (BadKeyException e) {
      return respondText(response, HttpResponseStatus.BAD_REQUEST, e.getMessage(), withBody)
          .doFinally(signal -> finished(command, response, start, span));
    }
    if (client != null && !client.mayRead(key)) {
      // Checked before the lookup: a refused request reads nothing from Redis or the cache.
      return respondText(
              response,
              HttpResponseStatus.FORBIDDEN,
              "the token of " + client.name() + " may not read this key",
              withBody)
          .doFinally(signal -> finished(command, response, start, span));
    }
    Mono<Void> reply =
        lookups
            .lookup(key, lookup -> respond(request, response, lookup, withBody))
            .onErrorResume(error -> respondFailure(response, error, withBody))
            .doFinally(signal -> finished(command, response, start, span));
    return span == null ? reply : reply.contextWrite(span::putIn);
  }

  /**
   * The request's server span, continuing the caller's trace ({@code traceparent}); {@code route}
   * is null for a request no route serves.
   */
  private RequestSpan startSpan(HttpServerRequest request, String route) {
    String method = request.method().name();
    String uri = request.uri();
    int query = uri.indexOf('?');
    int major = request.version().majorVersion();
    InetSocketAddress remote = request.remoteAddress();
    return tracing
        .startRequest(method, route, request.requestHeaders()::get)
        .request(
            query < 0 ? uri : uri.substring(0, query),
            major == 2 ? "2" : major + "." + request.version().minorVersion(),
            remote == null ? null : remote.getHostString());
  }

  /**
   * Records the answer under its status. Reactor Netty may cancel the handler's publisher once a
   * response with a known length has gone out, so what counts as {@code cancelled} is an end with
   * no response sent: a cancellation before the answer, or a lookup that ended with the client gone
   * ({@link AbortedException}, answered with nothing).
   */
  private void finished(String command, HttpServerResponse response, long start, RequestSpan span) {
    inFlight.decrementAndGet();
    boolean clientLeft = !response.hasSentHeaders();
    requests.record(
        command, clientLeft ? "cancelled" : response.status().codeAsText().toString(), start);
    if (span != null) {
      if (clientLeft) {
        span.cancelled();
      } else {
        span.answered(response.status().code(), response.responseHeaders().get(X_CACHE));
      }
    }
  }

  /**
   * A value: 200 with its entity tag and how long it stays fresh, or 304 with no body when the
   * client already holds that tag ({@code If-None-Match}).
   */
  private static Mono<Void> respond(
      HttpServerRequest request, HttpServerResponse response, Lookup lookup, boolean withBody) {
    if (!lookup.found()) {
      return respondText(response, HttpResponseStatus.NOT_FOUND, "no such key", withBody);
    }
    response
        .header(HttpHeaderNames.CONTENT_TYPE, OCTET_STREAM)
        .header(X_CACHE, X_CACHE_VALUES.get(lookup.source()))
        .header(HttpHeaderNames.ETAG, lookup.etag())
        .header(HttpHeaderNames.CACHE_CONTROL, cacheControl(lookup));
    String ifNoneMatch = request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null && EntityTags.anyMatches(ifNoneMatch, lookup.etag())) {
      response.status(HttpResponseStatus.NOT_MODIFIED);
      return response.send().then();
    }
    response.status(HttpResponseStatus.OK);
    return send(response, lookup.value(), withBody);
  }

  /** Fresh for what is left of the entry's life (none for an answer that was not cached). */
  private static CharSequence cacheControl(Lookup lookup) {
    long seconds = lookup.maxAgeSeconds();
    if (seconds >= MAX_AGES.length) {
      return "max-age=" + seconds;
    }
    AsciiString value = MAX_AGES[(int) seconds];
    if (value == null) {
      value = AsciiString.cached("max-age=" + seconds); // a benign race: equal values
      MAX_AGES[(int) seconds] = value;
    }
    return value;
  }

  private static Map<Lookup.Source, AsciiString> xCacheValues() {
    Map<Lookup.Source, AsciiString> values = new EnumMap<>(Lookup.Source.class);
    for (Lookup.Source source : Lookup.Source.values()) {
      values.put(source, AsciiString.cached(source.name()));
    }
    return values;
  }

  /** The one place a failure becomes an HTTP status. */
  private static Mono<Void> respondFailure(
      HttpServerResponse response, Throwable error, boolean withBody) {
    if (error instanceof AbortedException) {
      return Mono.empty(); // the client went away; there is nobody to answer
    }
    if (!(error instanceof LookupException failure)) {
      log.error("Unexpected failure while serving a request", error);
      return respondText(
          response, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", withBody);
    }
    HttpResponseStatus status =
        switch (failure.reason()) {
          case OVERLOADED, BACKEND_UNAVAILABLE, BACKEND_TIMEOUT ->
              HttpResponseStatus.SERVICE_UNAVAILABLE;
          case WRONG_TYPE -> HttpResponseStatus.CONFLICT;
          case BACKEND_ERROR -> HttpResponseStatus.BAD_GATEWAY;
        };
    if (status == HttpResponseStatus.SERVICE_UNAVAILABLE) {
      response.header(HttpHeaderNames.RETRY_AFTER, "1");
    }
    return respondText(response, status, failure.getMessage(), withBody);
  }

  private Publisher<Void> methodNotAllowed(HttpServerRequest request, HttpServerResponse response) {
    long start = System.nanoTime();
    inFlight.incrementAndGet();
    RequestSpan span = tracing.enabled() ? startSpan(request, null) : null;
    response.header(HttpHeaderNames.ALLOW, ALLOW);
    return respondText(
            response,
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            "method " + request.method() + " not allowed; use GET or HEAD",
            true)
        .doFinally(signal -> finished("other", response, start, span));
  }

  private static Mono<Void> respondText(
      HttpServerResponse response, HttpResponseStatus status, String message, boolean withBody) {
    response.status(status).header(HttpHeaderNames.CONTENT_TYPE, TEXT);
    return send(response, (message + "\n").getBytes(StandardCharsets.UTF_8), withBody);
  }

  /** HEAD gets the same Content-Length as GET, and no body. */
  private static Mono<Void> send(HttpServerResponse response, byte[] body, boolean withBody) {
    response.responseHeaders().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return withBody
        ? response.send(Mono.just(Unpooled.wrappedBuffer(body))).then()
        : response.send().then();
  }
}
