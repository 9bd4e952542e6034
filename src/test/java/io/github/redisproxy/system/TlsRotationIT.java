package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import io.github.redisproxy.testing.TestCertificates;
import io.github.redisproxy.testing.TestCertificates.Issued;
import io.github.redisproxy.testing.TlsProbe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates are replaced without a restart: once the files change, new connections get the new
 * certificate, while connections opened before keep theirs and go on being served. Files that do
 * not make a usable certificate are not taken; the proxy serves the last good one and says so.
 */
class TlsRotationIT {
  private static final Duration RELOAD_WITHIN = Duration.ofSeconds(15);
  private static final Issued AUTHORITY = TestCertificates.authority("rotation CA");

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @TempDir Path dir;

  /** Replaced files: new connections see the new certificate; an open one keeps working. */
  @Test
  void newConnectionsGetTheNewCertificateAndOpenOnesKeepTheirs() throws IOException {
    redis.commands().set("rotation:k", "v");
    SSLContext client = TestCertificates.clientContext(null, AUTHORITY);
    try (ProxyProcess proxy = start(TestCertificates.server(AUTHORITY, "first"));
        SSLSocket open =
            (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
      open.setSoTimeout(20_000);
      assertThat(exchange(open)).isEqualTo("HTTP/1.1 200 OK");
      assertThat(peer(open)).isEqualTo("CN=first");

      install(TestCertificates.server(AUTHORITY, "second"));

      Polling.until(
          RELOAD_WITHIN,
          "a new connection to get the second certificate",
          () -> TlsProbe.servedSubject(client, proxy.port()),
          "CN=second"::equals);
      assertThat(exchange(open)).as("the connection opened before").isEqualTo("HTTP/1.1 200 OK");
      assertThat(peer(open)).isEqualTo("CN=first");
      assertThat(reloads(proxy, client, "success")).isEqualTo(1);
      assertThat(TlsProbe.servedSubject(client, proxy.respPort())).isEqualTo("CN=second");
      assertThat(TlsProbe.servedSubject(client, proxy.managementPort())).isEqualTo("CN=second");
      proxy.closeAndAssertNoErrorsLogged();
    }
  }

  /** A certificate file that is no PEM is not taken: the last good certificate is still served. */
  @Test
  void anUnusableChangeKeepsTheLastGoodCertificate() throws IOException {
    SSLContext client = TestCertificates.clientContext(null, AUTHORITY);
    try (ProxyProcess proxy = start(TestCertificates.server(AUTHORITY, "good"))) {
      Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");

      Polling.until(
          RELOAD_WITHIN,
          "the failed reload to be counted",
          () -> reloads(proxy, client, "failure"),
          failures -> failures == 1);
      proxy
          .log()
          .awaitLog(Pattern.compile("WARN .*TLS_CERT_FILE.*still serving"), 1, RELOAD_WITHIN);
      assertThat(TlsProbe.servedSubject(client, proxy.port())).isEqualTo("CN=good");
      assertThat(TlsProbe.statusLine(client, proxy.port(), "/rotation:absent"))
          .isEqualTo("HTTP/1.1 404 Not Found");
      proxy.closeAndAssertNoErrorsLogged();
    }
  }

  /** A certificate that is not valid now is served (it is what the files say) with a warning. */
  @Test
  void anExpiredCertificateIsServedWithAWarning() throws IOException {
    SSLContext client = TestCertificates.clientContext(null, AUTHORITY);
    try (ProxyProcess proxy = start(TestCertificates.server(AUTHORITY, "valid"))) {
      install(TestCertificates.expired(AUTHORITY, "expired"));

      proxy.log().awaitLog(Pattern.compile("WARN .*CN=expired.*NOT VALID NOW"), 1, RELOAD_WITHIN);
      assertThatThrownBy(() -> TlsProbe.servedSubject(client, proxy.port()))
          .as("a client that checks validity, as every client should")
          .hasMessageContaining("validity check failed");
      proxy.closeAndAssertNoErrorsLogged();
    }
  }

  private ProxyProcess start(Issued certificate) {
    install(certificate);
    return ProxyExtension.builder()
        .redis(redis)
        .env("TLS_CERT_FILE", dir.resolve("cert.pem").toString())
        .env("TLS_KEY_FILE", dir.resolve("key.pem").toString())
        .resp()
        .awaitBackend(false)
        .start();
  }

  /**
   * Key first, then certificate, each moved into place whole, as certificate managers do; the proxy
   * may see the new key beside the old certificate for a moment, and must not take that.
   */
  private void install(Issued certificate) {
    certificate.writePkcs8Key(dir.resolve("key.pem"));
    certificate.writeCertificate(dir.resolve("cert.pem"));
  }

  private static double reloads(ProxyProcess proxy, SSLContext client, String result) {
    return TlsProbe.metrics(client, proxy.managementPort())
        .valueOrZero("redis_proxy_tls_reloads_total", Map.of("result", result));
  }

  /** One keep-alive request on an open connection; returns the status line. */
  private static String exchange(SSLSocket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write("GET /rotation:k HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
    String status = in.readLine();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    in.skip(length);
    return status;
  }

  private static String peer(SSLSocket socket) throws IOException {
    return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
        .getSubjectX500Principal()
        .getName();
  }
}
