package io.github.redisproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * {@link HttpClient} (HTTP/1.1) requests to one proxy. Paths are given raw, exactly as they go on
 * the request line (percent-encoding included), and responses carry the body as bytes.
 *
 * <p>The port is asked for at each request, so a client of a {@link ProxyExtension} can be made in
 * a static field initializer, before the proxy has started.
 */
public final class ProxyClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient client;
  private final IntSupplier port;

  /** A client of the proxy's HTTP port. */
  public ProxyClient(RunningProxy proxy) {
    this(proxy::port);
  }

  public ProxyClient(int port) {
    this(() -> port);
  }

  /** A client of the port {@code port} returns when a request is made. */
  public ProxyClient(IntSupplier port) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.port = port;
  }

  /** {@code GET rawPath}, e.g. {@code "/a%2Fb?x=1"}. */
  public HttpResponse<byte[]> get(String rawPath) {
    return send(request(rawPath).GET().build());
  }

  /** {@code method rawPath} with request headers, given as name, value, name, value… */
  public HttpResponse<byte[]> send(String method, String rawPath, String... headers) {
    HttpRequest.Builder request =
        request(rawPath).method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  /** {@code GET rawPath}, sent now; the response arrives later. */
  public CompletableFuture<HttpResponse<byte[]>> getAsync(String rawPath) {
    return client.sendAsync(
        request(rawPath).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Any method, without a request body. */
  public HttpResponse<byte[]> send(String method, String rawPath) {
    return send(request(rawPath).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  /** A URI for this path; {@link URI#create} keeps the raw path as given. */
  public URI uri(String rawPath) {
    return URI.create("http://127.0.0.1:" + port.getAsInt() + rawPath);
  }

  private HttpRequest.Builder request(String rawPath) {
    return HttpRequest.newBuilder(uri(rawPath)).timeout(REQUEST_TIMEOUT);
  }

  private HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A response's body as UTF-8 text. */
  public static String bodyOf(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /**
   * A response's {@code X-Cache} header: {@code HIT}, {@code MISS}, {@code BYPASS} or {@code
   * STALE}.
   */
  public static Optional<String> xCache(HttpResponse<byte[]> response) {
    return response.headers().firstValue("X-Cache");
  }
}
