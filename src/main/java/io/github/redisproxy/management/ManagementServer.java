package io.github.redisproxy.management;

import io.github.redisproxy.access.BearerToken;
import io.github.redisproxy.access.ManagementToken;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.NodeStatus;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.http.BadKeyException;
import io.github.redisproxy.http.KeyDecoder;
import io.github.redisproxy.lookup.Key;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.lookup.LookupStats;
import io.github.redisproxy.tls.ServerTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The management port's HTTP surface.
 *
 * <ul>
 *   <li>{@code GET /health}: 200 when Redis answers {@code PING} within REDIS_TIMEOUT, else 503
 *       with the reason (a readiness probe: a proxy without its Redis can only serve what it has
 *       cached).
 *   <li>{@code GET /health/live}: 200 while the process serves HTTP (a liveness probe: it never
 *       asks Redis, so a Redis outage does not get the proxy restarted).
 *   <li>{@code GET /metrics}: every meter, in Prometheus text (or OpenMetrics when the scraper asks
 *       for it).
 *   <li>{@code GET /cache/stats}: a JSON summary of the cache.
 *   <li>{@code DELETE /cache/{key}} and {@code DELETE /cache}: purge one key (percent-decoded as on
 *       the proxy port) or every key.
 * </ul>
 */
public final class ManagementServer {
  private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);

  private static final String JSON = "application/json";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String OPENMETRICS_TEXT =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String CACHE_PREFIX = "/cache/";

  private final LookupService lookups;
  private final Backend backend;
  private final String backendAddress;
  private final PrometheusMeterRegistry registry;
  private final CacheConfig cacheConfig;
  private final NodeMeters nodeMeters;
  private final ManagementToken purgeToken;

  /** {@code purgeToken}: what the purges require, when {@link ManagementToken#required()}. */
  public ManagementServer(
      LookupService lookups,
      Backend backend,
      String backendAddress,
      PrometheusMeterRegistry registry,
      CacheConfig cacheConfig,
      ManagementToken purgeToken) {
    this.purgeToken = purgeToken;
    this.lookups = lookups;
    this.backend = backend;
    this.backendAddress = backendAddress;
    this.registry = registry;
    this.cacheConfig = cacheConfig;
    this.nodeMeters = new NodeMeters(registry);
  }

  /**
   * Binds the management port and returns once it accepts connections, over TLS when {@code tls} is
   * given.
   */
  public DisposableServer bind(
      String bindAddress, int port, LoopResources loops, Optional<ServerTls> tls) {
    HttpServer server = HttpServer.create();
    if (tls.isPresent()) {
      server = tls.get().securePlain(server, registry);
    }
    return server.runOn(loops).host(bindAddress).port(port).handle(this::serve).bindNow();
  }

  private Publisher<Void> serve(HttpServerRequest request, HttpServerResponse response) {
    String path = pathOf(request.uri());
    HttpMethod method = request.method();
    Mono<Void> answer;
    if (path.equals("/health")) {
      answer = method.equals(HttpMethod.GET) ? health(response) : notAllowed(response, "GET");
    } else if (path.equals("/health/live")) {
      answer = method.equals(HttpMethod.GET) ? live(response) : notAllowed(response, "GET");
    } else if (path.equals("/metrics")) {
      answer =
          method.equals(HttpMethod.GET) ? metrics(request, response) : notAllowed(response, "GET");
    } else if (path.equals("/cache/stats")) {
      answer = method.equals(HttpMethod.GET) ? stats(response) : notAllowed(response, "GET");
    } else if (path.equals("/cache")) {
      answer =
          !method.equals(HttpMethod.DELETE)
              ? notAllowed(response, "DELETE")
              : refusedPurge(request, response).orElseGet(() -> purgeAll(response));
    } else if (path.startsWith(CACHE_PREFIX)) {
      answer =
          !method.equals(HttpMethod.DELETE)
              ? notAllowed(response, "DELETE")
              : refusedPurge(request, response).orElseGet(() -> purge(request, response));
    } else {
      answer =
          send(
              response,
              HttpResponseStatus.NOT_FOUND,
              JSON,
              Json.error("no such endpoint: " + path));
    }
    return answer.onErrorResume(
        error -> {
          log.error("Unexpected failure on the management port for {} {}", method, path, error);
          return send(
              response,
              HttpResponseStatus.INTERNAL_SERVER_ERROR,
              JSON,
              Json.error("internal error"));
        });
  }

  private Mono<Void> health(HttpServerResponse response) {
    long start = System.nanoTime();
    return backend
        .ping()
        .then(Mono.fromSupplier(() -> healthBody(true, latencyMillis(start), null)))
        .onErrorResume(
            error -> Mono.just(healthBody(false, latencyMillis(start), error.getMessage())))
        .flatMap(
            body ->
                send(
                    response,
                    body.up() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    JSON,
                    body.json()));
  }

  private record HealthBody(boolean up, byte[] json) {}

  private HealthBody healthBody(boolean up, BigDecimal millis, String reason) {
    String status = up ? "UP" : "DOWN";
    return new HealthBody(
        up,
        Json.bytes(
            json -> {
              json.writeStartObject();
              json.writeStringField("status", status);
              json.writeObjectFieldStart("redis");
              json.writeStringField("status", status);
              json.writeStringField("address", backendAddress);
              json.writeNumberField("ping_ms", millis);
              if (reason != null) {
                json.writeStringField("reason", reason);
              }
              List<NodeStatus> nodes = backend.nodes();
              if (!nodes.isEmpty()) {
                json.writeStringField("mode", backend.mode());
                json.writeArrayFieldStart("nodes");
                for (NodeStatus node : nodes) {
                  json.writeStartObject();
                  json.writeStringField("address", node.address());
                  json.writeStringField("role", node.role());
                  json.writeBooleanField("read_from", node.readFrom());
                  json.writeStringField(
                      "status", !node.readFrom() ? "NOT_READ" : node.up() ? "UP" : "DOWN");
                  json.writeBooleanField("tracking", node.tracking());
                  json.writeEndObject();
                }
                json.writeEndArray();
              }
              json.writeEndObject();
              json.writeEndObject();
            }));
  }

  private static BigDecimal latencyMillis(long start) {
    return BigDecimal.valueOf((System.nanoTime() - start) / 1000, 3);
  }

  private static Mono<Void> live(HttpServerResponse response) {
    return sendJson(
        response,
        HttpResponseStatus.OK,
        json -> {
          json.writeStartObject();
          json.writeStringField("status", "UP");
          json.writeEndObject();
        });
  }

  /**
   * Scraping reads JVM and operating-system gauges, some of which read files under /proc: it runs
   * off the event loop.
   */
  private Mono<Void> metrics(HttpServerRequest request, HttpServerResponse response) {
    String accept = request.requestHeaders().get(HttpHeaderNames.ACCEPT, "");
    String contentType =
        accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
    return Mono.fromCallable(
            () -> {
              nodeMeters.register(backend.nodes());
              return registry.scrape(contentType).getBytes(StandardCharsets.UTF_8);
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(body -> send(response, HttpResponseStatus.OK, contentType, body));
  }

  private Mono<Void> stats(HttpServerResponse response) {
    LookupStats stats = lookups.stats();
    return sendJson(
        response,
        HttpResponseStatus.OK,
        json -> {
          json.writeStartObject();
          json.writeStringField("policy", cacheConfig.policy().configName());
          json.writeNumberField("capacity", cacheConfig.capacity());
          json.writeNumberField("size", stats.size());
          json.writeNumberField("bytes", stats.bytes());
          json.writeNumberField("max_bytes", cacheConfig.maxBytes());
          json.writeNumberField(
              "expiry_seconds",
              BigDecimal.valueOf(cacheConfig.expiry().toNanos(), 9).stripTrailingZeros());
          json.writeStringField("invalidation", stats.invalidationMode());
          json.writeNumberField("hits", stats.hits());
          json.writeNumberField("misses", stats.misses());
          json.writeNumberField("coalesced", stats.coalesced());
          json.writeNumberField("hit_ratio", stats.hitRatio());
          json.writeNumberField("stale", stats.stale());
          json.writeNumberField("bypassed", stats.bypassed());
          json.writeNumberField("refreshes", stats.refreshes());
          json.writeObjectFieldStart("evictions");
          for (Map.Entry<String, Long> cause : stats.evictions().entrySet()) {
            json.writeNumberField(cause.getKey(), cause.getValue());
          }
          json.writeEndObject();
          json.writeEndObject();
        });
  }

  private Mono<Void> purge(HttpServerRequest request, HttpServerResponse response) {
    Key key;
    try {
      key = KeyDecoder.decode(request.uri().substring(CACHE_PREFIX.length() - 1));
    } catch (BadKeyException e) {
      return send(response, HttpResponseStatus.BAD_REQUEST, JSON, Json.error(e.getMessage()));
    }
    boolean purged = lookups.invalidate(key);
    log.info("Purged key={} ({})", key, purged ? "it was cached" : "it was not cached");
    return sendJson(
        response,
        HttpResponseStatus.OK,
        json -> {
          json.writeStartObject();
          json.writeStringField("key", key.toString());
          json.writeBooleanField("purged", purged);
          json.writeEndObject();
        });
  }

  private Mono<Void> purgeAll(HttpServerResponse response) {
    long purged = lookups.invalidateAll();
    log.info("Purged the whole cache ({} keys)", purged);
    return sendJson(
        response,
        HttpResponseStatus.OK,
        json -> {
          json.writeStartObject();
          json.writeNumberField("purged", purged);
          json.writeEndObject();
        });
  }

  /**
   * With MANAGEMENT_TOKEN set, a purge without it is refused: 401 and {@code WWW-Authenticate}, as
   * RFC 6750 says, whether the token is missing or wrong.
   */
  private Optional<Mono<Void>> refusedPurge(
      HttpServerRequest request, HttpServerResponse response) {
    if (!purgeToken.required()) {
      return Optional.empty();
    }
    byte[] presented =
        BearerToken.from(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
    if (purgeToken.matches(presented)) {
      return Optional.empty();
    }
    log.warn(
        "Refused a purge from {}: {} MANAGEMENT_TOKEN",
        request.remoteAddress(),
        presented == null ? "no" : "a wrong");
    response.header(
        HttpHeaderNames.WWW_AUTHENTICATE,
        presented == null
            ? "Bearer realm=\"redis-proxy management\""
            : "Bearer realm=\"redis-proxy management\", error=\"invalid_token\"");
    return Optional.of(
        send(
            response,
            HttpResponseStatus.UNAUTHORIZED,
            JSON,
            Json.error("purges need Authorization: Bearer <MANAGEMENT_TOKEN>")));
  }

  private static Mono<Void> notAllowed(HttpServerResponse response, String allowed) {
    response.header(HttpHeaderNames.ALLOW, allowed);
    return send(
        response,
        HttpResponseStatus.METHOD_NOT_ALLOWED,
        JSON,
        Json.error("method not allowed; use " + allowed));
  }

  /** A JSON document; {@code writer} writes one value. */
  private static Mono<Void> sendJson(
      HttpServerResponse response, HttpResponseStatus status, Json.Writer writer) {
    return send(response, status, JSON, Json.bytes(writer));
  }

  private static Mono<Void> send(
      HttpServerResponse response, HttpResponseStatus status, String contentType, byte[] body) {
    return response
        .status(status)
        .header(HttpHeaderNames.CONTENT_TYPE, contentType)
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
        .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .send(Mono.just(Unpooled.wrappedBuffer(body)))
        .then();
  }

  private static String pathOf(String uri) {
    int query = uri.indexOf('?');
    return query < 0 ? uri : uri.substring(0, query);
  }
}
