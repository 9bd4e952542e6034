package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.redisproxy.testing.Commands;
import io.github.redisproxy.testing.PrometheusText;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisCli;
import io.github.redisproxy.testing.RedisServerExtension;
import io.github.redisproxy.testing.TestCertificates;
import io.github.redisproxy.testing.TestCertificates.Issued;
import io.github.redisproxy.testing.TestDirectories;
import io.github.redisproxy.testing.TlsProbe;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;

/**
 * With TLS_CERT_FILE and TLS_KEY_FILE set, every port speaks TLS (1.2 or 1.3) and nothing else:
 * HTTPS with HTTP/1.1 and h2 chosen by ALPN, RESP over TLS for Redis clients ({@code rediss://},
 * {@code redis-cli --tls}), and the management port. The certificates are made by the test; the key
 * is PKCS#1 here (the other proxies of the suite use PKCS#8).
 */
class TlsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Path DIR = TestDirectories.create("tls-it");
  private static final Issued AUTHORITY = TestCertificates.authority("redis-proxy test CA");
  private static final Issued SERVER = TestCertificates.server(AUTHORITY, "tls-it-server");
  private static final Path CERT = SERVER.writeCertificate(DIR.resolve("server.pem"));
  private static final Path KEY = SERVER.writePkcs1Key(DIR.resolve("server-key.pem"));
  private static final Path CA = AUTHORITY.writeCertificate(DIR.resolve("ca.pem"));

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("TLS_CERT_FILE", CERT.toString())
          .env("TLS_KEY_FILE", KEY.toString())
          .resp()
          .awaitBackend(false) // the fixture's readiness probe speaks clear HTTP
          .build();

  @AfterAll
  static void removeCertificates() throws IOException {
    TestDirectories.delete(DIR);
  }

  /** HTTP/1.1 over TLS answers as in clear text: status, headers, value. */
  @Test
  void httpsAnswersKeysOverHttp11() {
    redis.commands().set("tls:h1", "over https");

    var answer = get(HttpProtocol.HTTP11, "/tls:h1");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.version()).isEqualTo("HTTP/1.1");
    assertThat(answer.body()).isEqualTo("over https");
    assertThat(answer.xCache()).isIn("MISS", "HIT");
    assertThat(get(HttpProtocol.HTTP11, "/tls:absent").status()).isEqualTo(404);
  }

  /** A client that offers h2 by ALPN gets HTTP/2, with the same routes and headers. */
  @Test
  void httpsNegotiatesH2ByAlpn() {
    redis.commands().set("tls:h2", "over h2");

    var first = get(HttpProtocol.H2, "/tls:h2");
    var second = get(HttpProtocol.H2, "/tls:h2");

    assertThat(first.version()).isEqualTo("HTTP/2.0");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("over h2");
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(get(HttpProtocol.H2, "/tls:absent").status()).isEqualTo(404);
  }

  /** curl, as a user would run it: HTTPS with the CA file, then h2. */
  @Test
  void curlReadsAKeyOverHttpsAndH2() {
    assumeTrue(Commands.onPath("curl"), "curl is not on PATH");
    redis.commands().set("tls:curl", "curled");
    String url = "https://127.0.0.1:" + proxy.port() + "/tls:curl";

    for (String version : List.of("--http1.1", "--http2")) {
      var run =
          Commands.run(
              TIMEOUT,
              List.of(
                  "curl",
                  "-sS",
                  version,
                  "--cacert",
                  CA.toString(),
                  "-w",
                  " %{http_version}",
                  url));
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(run.output()).isEqualTo("curled " + (version.equals("--http2") ? "2" : "1.1"));
    }
  }

  /** RESP over TLS with Lettuce ({@code rediss://}, the CA as its trust store). */
  @Test
  void respOverTlsServesLettuce() {
    redis.commands().set("tls:resp", "over rediss");
    RedisURI uri =
        RedisURI.builder()
            .withHost("127.0.0.1")
            .withPort(proxy.respPort())
            .withSsl(true)
            .withVerifyPeer(true)
            .withTimeout(TIMEOUT)
            .build();
    RedisClient client = RedisClient.create(uri);
    client.setOptions(
        ClientOptions.builder()
            .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(CA.toFile()).build())
            .build());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().ping()).isEqualTo("PONG");
      assertThat(connection.sync().get("tls:resp")).isEqualTo("over rediss");
      assertThat(connection.sync().get("tls:absent")).isNull();
    } finally {
      client.shutdown();
    }
  }

  /** {@code redis-cli --tls --cacert}, as a user would type it. */
  @Test
  void respOverTlsServesRedisCli() {
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");
    redis.commands().set("tls:cli", "typed");

    var run =
        RedisCli.run(
            proxy.respPort(), "", TIMEOUT, "--tls", "--cacert", CA.toString(), "GET", "tls:cli");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout().strip()).isEqualTo("typed");
  }

  /** The management port is TLS too. */
  @Test
  void managementPortSpeaksTls() throws Exception {
    HttpClient client =
        HttpClient.newBuilder().sslContext(TestCertificates.clientContext(null, AUTHORITY)).build();
    for (String path : List.of("/health/live", "/health")) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + proxy.managementPort() + path))
                  .timeout(TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path).isEqualTo(200);
    }
  }

  /**
   * No port answers clear text: an HTTP request or a RESP command sent without TLS gets no answer
   * but a closed connection, counted as a failed handshake of that port, and nothing is logged as
   * an error.
   */
  @Test
  void clearTextIsNotAnswered() throws Exception {
    Map<String, Integer> ports =
        Map.of(
            "http", proxy.port(), "resp", proxy.respPort(), "management", proxy.managementPort());
    Map<String, Double> before = handshakeFailures();
    for (var port : ports.entrySet()) {
      String received =
          sendClearText(
              port.getValue(), "GET /tls:h1 HTTP/1.1\r\nHost: x\r\n\r\n*1\r\n$4\r\nPING\r\n");
      assertThat(received).as(port.getKey()).doesNotContain("HTTP/1.1 200", "+PONG");
    }
    Map<String, Double> after = handshakeFailures();
    for (String frontEnd : ports.keySet()) {
      assertThat(after.get(frontEnd) - before.get(frontEnd)).as(frontEnd).isEqualTo(1.0);
    }
    proxy.process().assertNoErrorsLogged();
  }

  private static Map<String, Double> handshakeFailures() {
    PrometheusText metrics =
        TlsProbe.metrics(TestCertificates.clientContext(null, AUTHORITY), proxy.managementPort());
    Map<String, Double> failures = new java.util.HashMap<>();
    for (String frontEnd : List.of("http", "resp", "management")) {
      failures.put(
          frontEnd,
          metrics.value("redis_proxy_tls_handshake_failures_total", Map.of("frontend", frontEnd)));
    }
    return failures;
  }

  /** TLS 1.3 by default, 1.2 for a client that offers only that; a client must know one of them. */
  @Test
  void negotiatesTls13Or12() throws IOException {
    assertThat(handshake(null)).isEqualTo("TLSv1.3");
    assertThat(handshake(new String[] {"TLSv1.2"})).isEqualTo("TLSv1.2");
  }

  /** Older protocols are refused (openssl, because the JDK no longer offers TLS 1.1 at all). */
  @Test
  void refusesTls11() {
    assumeTrue(Commands.onPath("openssl"), "openssl is not on PATH");
    var run =
        Commands.run(
            TIMEOUT,
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + proxy.port(),
                "-tls1_1",
                "-cipher",
                "DEFAULT:@SECLEVEL=0"));
    assertThat(run.exitCode()).as(run.output()).isNotZero();
    var modern =
        Commands.run(
            TIMEOUT,
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + proxy.port(),
                "-tls1_2",
                "-CAfile",
                CA.toString(),
                "-verify_return_error"));
    assertThat(modern.exitCode()).as(modern.output()).isZero();
  }

  /** A client that trusts another authority refuses the proxy: it is the proxy's certificate. */
  @Test
  void aClientThatTrustsAnotherAuthorityRefusesTheCertificate() {
    Issued stranger = TestCertificates.authority("another CA");
    HttpClient client =
        HttpClient.newBuilder().sslContext(TestCertificates.clientContext(null, stranger)).build();

    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + "/k"))
                        .timeout(TIMEOUT)
                        .build(),
                    HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(SSLHandshakeException.class);
  }

  private record Answer(int status, String version, String xCache, String body) {}

  private static Answer get(HttpProtocol protocol, String path) {
    reactor.netty.http.client.HttpClient client =
        reactor.netty.http.client.HttpClient.create()
            .protocol(protocol)
            .secure(
                spec ->
                    spec.sslContext(
                        protocol == HttpProtocol.H2
                            ? Http2SslContextSpec.forClient().configure(TlsIT::trustTheAuthority)
                            : Http11SslContextSpec.forClient()
                                .configure(TlsIT::trustTheAuthority)));
    return client
        .get()
        .uri("https://127.0.0.1:" + proxy.port() + path)
        .responseSingle(
            (response, body) ->
                body.asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        text ->
                            new Answer(
                                response.status().code(),
                                response.version().text(),
                                response.responseHeaders().get("X-Cache"),
                                text)))
        .block(TIMEOUT);
  }

  private static void trustTheAuthority(SslContextBuilder builder) {
    builder.trustManager(AUTHORITY.certificate());
  }

  private static String handshake(String[] protocols) throws IOException {
    SSLContext context = TestCertificates.clientContext(null, AUTHORITY);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      if (protocols != null) {
        socket.setEnabledProtocols(protocols);
      }
      socket.startHandshake();
      return socket.getSession().getProtocol();
    }
  }

  private static String sendClearText(int port, String text) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      try {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (IOException reset) {
        return ""; // closed with a reset: no answer either
      }
    }
  }
}
