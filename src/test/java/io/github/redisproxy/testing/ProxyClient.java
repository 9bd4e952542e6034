package io.github.redisproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@link HttpClient} (HTTP/1.1) requests to one proxy. Paths are given raw, exactly as they go on
 * the request line (percent-encoding included), and responses carry the body as bytes.
 */
public final class ProxyClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient client;
  private final URI base;

  public ProxyClient(ProxyProcess proxy) {
    this(proxy.port());
  }

  public ProxyClient(int port) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.base = URI.create("http://127.0.0.1:" + port);
  }

  /** {@code GET rawPath}, e.g. {@code "/a%2Fb?x=1"}. */
  public HttpResponse<byte[]> get(String rawPath) {
    return send(request(rawPath).GET().build());
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
    return URI.create(base + rawPath);
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
}
