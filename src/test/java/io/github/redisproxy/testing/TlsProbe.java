package io.github.redisproxy.testing;

import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Small TLS clients for the proxy's ports, with the trust and client certificate a test chose. */
public final class TlsProbe {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private TlsProbe() {}

  /** {@code GET https://127.0.0.1:port/path} over a new connection. */
  public static HttpResponse<String> get(SSLContext context, int port, String path)
      throws IOException {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(context)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    try {
      return client.send(
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
              .timeout(TIMEOUT)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * One HTTP/1.1 request on one new connection (the JDK's HttpClient may retry a failed
   * connection), returning the response's status line; throws when the handshake fails, whenever
   * the failure shows.
   */
  public static String statusLine(SSLContext context, int port, String path) throws IOException {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String response =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      if (response.isEmpty()) {
        throw new EOFException("closed without an answer");
      }
      return response.lines().findFirst().orElseThrow();
    }
  }

  /** The management port's {@code /metrics}, over TLS. */
  public static PrometheusText metrics(SSLContext context, int managementPort) {
    try {
      HttpResponse<String> response = get(context, managementPort, "/metrics");
      if (response.statusCode() != 200) {
        throw new AssertionError("GET /metrics answered " + response.statusCode());
      }
      return PrometheusText.parse(response.body());
    } catch (IOException e) {
      throw new AssertionError("GET /metrics failed: " + e, e);
    }
  }

  /** The subject of the certificate a new connection to {@code port} is shown. */
  public static String servedSubject(SSLContext context, int port) {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    } catch (IOException e) {
      throw new IllegalStateException("handshake with port " + port + " failed: " + e, e);
    }
  }
}
