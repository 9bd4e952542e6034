package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests to one proxy's management port: {@code /health}, {@code /metrics} and {@code
 * /cache/stats}, read as a probe, a scraper and an operator would read them.
 */
public final class ManagementClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
  private static final String APPLICATION_JSON = "application/json";

  private final ProxyClient http;

  /** A client of the management port {@code port} returns when a request is made. */
  public ManagementClient(IntSupplier port) {
    this.http = new ProxyClient(port);
  }

  /** {@code GET path}. */
  public HttpResponse<byte[]> get(String path) {
    return http.get(path);
  }

  /** Any method, without a request body. */
  public HttpResponse<byte[]> send(String method, String path) {
    return http.send(method, path);
  }

  /** {@code http://127.0.0.1:MANAGEMENT_PORT} followed by {@code path}. */
  public URI uri(String path) {
    return http.uri(path);
  }

  /** {@code GET /metrics}: Prometheus text, read strictly (and the Content-Type checked). */
  public PrometheusText scrape() {
    HttpResponse<byte[]> response = get("/metrics");
    assertEquals(200, response.statusCode(), bodyOf(response));
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    assertTrue(contentType.startsWith(PROMETHEUS_TEXT), "Content-Type: " + contentType);
    return PrometheusText.parse(bodyOf(response));
  }

  /**
   * The value of one series on {@code /metrics}, named exactly as the page writes it: the metric
   * name and its labels in the order Micrometer writes them, e.g. {@code
   * redis_proxy_invalidations_total{kind="key"}}. Fails if the page has no such line.
   */
  public double metric(String series) {
    HttpResponse<byte[]> response = get("/metrics");
    String page = bodyOf(response);
    if (response.statusCode() != 200) {
      fail("GET /metrics answered " + response.statusCode() + ": " + page);
    }
    Matcher sample =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(page);
    if (!sample.find()) {
      fail("no series " + series + " on /metrics:\n" + page);
    }
    return Double.parseDouble(sample.group(1));
  }

  /** {@code GET /cache/stats}, which must answer 200 with JSON. */
  public JsonNode cacheStats() {
    HttpResponse<byte[]> response = get("/cache/stats");
    assertEquals(200, response.statusCode(), bodyOf(response));
    return json(response);
  }

  /**
   * Waits until the gauge {@code redis_proxy_invalidation_tracking} reads 1: every key the proxy
   * caches from now on will be invalidated when it changes in Redis. Under {@code
   * CACHE_INVALIDATION=tracking} that holds once {@code CLIENT TRACKING on} has succeeded, after
   * the first connection (so {@link ProxyProcess#awaitBackendReady()} already implies it) and again
   * after every reconnect: in between, loads are answered but not cached, so a test that restarted
   * Redis calls this before it counts on a second read being a hit. Always 1 under {@code none}.
   */
  public void awaitInvalidationTracking() {
    Polling.until(
        Duration.ofSeconds(10),
        "redis_proxy_invalidation_tracking to be 1 on " + uri("/metrics"),
        () -> metric("redis_proxy_invalidation_tracking"),
        value -> value == 1.0);
  }

  /**
   * Returns once the proxy has handled every invalidation Redis has sent it so far, so that a
   * test's first read cannot overlap the handling of a {@code FLUSHALL} run before it (which would
   * remove that read's load, and make its second read a miss). {@code GET /health} is the barrier:
   * its {@code PING} goes over the connection that carries the invalidations, and Lettuce hands the
   * proxy every push that came before the reply before it reads the reply. A proxy without a
   * connection answers 503 at once, which is fine: it has nothing cached to keep coherent; one that
   * is stopping does not answer, which is fine too.
   */
  public void awaitInvalidationsHandled() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest health =
        HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(10)).build();
    try {
      client.send(health, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // the proxy is stopping: nothing to wait for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The body of a JSON response, which must say it is JSON. */
  public static JsonNode json(HttpResponse<byte[]> response) {
    assertEquals(
        Optional.of(APPLICATION_JSON),
        response.headers().firstValue("Content-Type"),
        "Content-Type of " + response);
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + bodyOf(response), e);
    }
  }

  /** The names of a JSON object's fields. */
  public static Set<String> fieldNames(JsonNode object) {
    Set<String> names = new TreeSet<>();
    Iterator<String> fields = object.fieldNames();
    fields.forEachRemaining(names::add);
    return names;
  }

  private static String bodyOf(HttpResponse<byte[]> response) {
    return ProxyClient.bodyOf(response);
  }
}
