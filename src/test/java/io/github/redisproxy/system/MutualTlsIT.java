package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisCli;
import io.github.redisproxy.testing.RedisServerExtension;
import io.github.redisproxy.testing.TestCertificates;
import io.github.redisproxy.testing.TestCertificates.Issued;
import io.github.redisproxy.testing.TestDirectories;
import io.github.redisproxy.testing.TlsProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With TLS_CLIENT_CA_FILE set, every client must show a certificate that the given authority signed
 * and that is valid now; any other connection fails its handshake (and is counted) before a byte of
 * a request is read.
 */
class MutualTlsIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Path DIR = TestDirectories.create("mtls-it");
  private static final Issued SERVER_CA = TestCertificates.authority("server CA");
  private static final Issued CLIENT_CA = TestCertificates.authority("client CA");
  private static final Issued SERVER = TestCertificates.server(SERVER_CA, "mtls-server");
  private static final Issued CLIENT = TestCertificates.server(CLIENT_CA, "a-client");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("TLS_CERT_FILE", SERVER.writeCertificate(DIR.resolve("server.pem")).toString())
          .env("TLS_KEY_FILE", SERVER.writePkcs8Key(DIR.resolve("server-key.pem")).toString())
          .env(
              "TLS_CLIENT_CA_FILE",
              CLIENT_CA.writeCertificate(DIR.resolve("clients.pem")).toString())
          .resp()
          .awaitBackend(false)
          .build();

  @AfterAll
  static void removeCertificates() throws IOException {
    TestDirectories.delete(DIR);
  }

  /** A client with a certificate of the client authority is served. */
  @Test
  void aClientWithACertificateOfTheAuthorityIsServed() throws IOException {
    redis.commands().set("mtls:k", "for certified clients");

    var response =
        TlsProbe.get(TestCertificates.clientContext(CLIENT, SERVER_CA), proxy.port(), "/mtls:k");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("for certified clients");
  }

  /** No certificate, one from another authority, or an expired one: refused, each counted once. */
  @Test
  void otherClientsAreRefused() {
    Issued stranger =
        TestCertificates.server(TestCertificates.authority("stranger CA"), "stranger");
    Issued expired = TestCertificates.expired(CLIENT_CA, "expired-client");
    Map<String, SSLContext> clients =
        Map.of(
            "no certificate", TestCertificates.clientContext(null, SERVER_CA),
            "another authority's", TestCertificates.clientContext(stranger, SERVER_CA),
            "expired", TestCertificates.clientContext(expired, SERVER_CA));
    double before = httpHandshakeFailures();

    for (var client : clients.entrySet()) {
      assertThatThrownBy(() -> TlsProbe.statusLine(client.getValue(), proxy.port(), "/mtls:k"))
          .as(client.getKey())
          .isInstanceOf(IOException.class);
    }

    assertThat(httpHandshakeFailures() - before).isEqualTo(clients.size());
  }

  /**
   * redis-cli with {@code --cert} and {@code --key} is served on the RESP port; without, refused.
   */
  @Test
  void redisCliNeedsItsCertificate() {
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");
    redis.commands().set("mtls:cli", "typed");
    Path cert = CLIENT.writeCertificate(DIR.resolve("client.pem"));
    Path key = CLIENT.writePkcs8Key(DIR.resolve("client-key.pem"));
    Path ca = SERVER_CA.writeCertificate(DIR.resolve("server-ca.pem"));

    var served =
        RedisCli.run(
            proxy.respPort(),
            "",
            TIMEOUT,
            "--tls",
            "--cacert",
            ca.toString(),
            "--cert",
            cert.toString(),
            "--key",
            key.toString(),
            "GET",
            "mtls:cli");
    var refused =
        RedisCli.run(
            proxy.respPort(), "", TIMEOUT, "--tls", "--cacert", ca.toString(), "GET", "mtls:cli");

    assertThat(served.stdout().strip()).as(served.stderr()).isEqualTo("typed");
    assertThat(refused.stdout()).doesNotContain("typed");
  }

  private static double httpHandshakeFailures() {
    return TlsProbe.metrics(
            TestCertificates.clientContext(CLIENT, SERVER_CA), proxy.managementPort())
        .value("redis_proxy_tls_handshake_failures_total", Map.of("frontend", "http"));
  }
}
