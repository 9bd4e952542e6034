package io.github.redisproxy.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.tcp.SslProvider;
import reactor.netty.tcp.TcpSslContextSpec;

/**
 * The server-side TLS contexts built from one set of files: one for the HTTP port, which offers h2
 * and http/1.1 by ALPN, and one for the ports that speak a single protocol (RESP, management).
 *
 * @param http for the HTTP port
 * @param plain for the RESP and management ports
 * @param certificate the served (leaf) certificate, for the log and the expiry gauge
 */
record ServerContexts(SslProvider http, SslProvider plain, X509Certificate certificate) {

  /** TLS 1.0 and 1.1 are deprecated (RFC 8996); clients that know only those are refused. */
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** Builds both contexts, or says which file is wrong and why (never its contents). */
  static ServerContexts build(PemFiles files) throws TlsFileException {
    List<X509Certificate> chain = PemReader.certificates(files.certificate(), "TLS_CERT_FILE");
    PrivateKey key = PemReader.privateKey(files.key(), "TLS_KEY_FILE");
    if (!PemReader.matches(key, chain.get(0))) {
      throw new TlsFileException(
          "TLS_KEY_FILE", "the key does not belong to the first certificate of TLS_CERT_FILE");
    }
    X509Certificate[] authorities =
        files.clientCa() == null
            ? null
            : PemReader.certificates(files.clientCa(), "TLS_CLIENT_CA_FILE")
                .toArray(X509Certificate[]::new);
    X509Certificate[] certificates = chain.toArray(X509Certificate[]::new);
    try {
      // Reactor Netty's specs add what each protocol needs (for h2: ALPN and its cipher list) to
      // Netty's SslContextBuilder.
      SslContext http =
          Http2SslContextSpec.forServer(key, certificates)
              .configure(builder -> common(builder, authorities))
              .sslContext();
      SslContext plain =
          TcpSslContextSpec.forServer(key, certificates)
              .configure(builder -> common(builder, authorities))
              .sslContext();
      return new ServerContexts(
          SslProvider.builder().sslContext(http).build(),
          SslProvider.builder().sslContext(plain).build(),
          chain.get(0));
    } catch (SSLException | RuntimeException e) {
      throw new TlsFileException("TLS_CERT_FILE", PemReader.oneLine(e));
    }
  }

  /** Which TLS implementation serves: OpenSSL (BoringSSL) when its native library loads. */
  static String implementation() {
    return OpenSsl.isAvailable()
        ? "OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative)"
        : "the JDK's provider (netty-tcnative did not load: "
            + PemReader.oneLine(OpenSsl.unavailabilityCause())
            + ")";
  }

  private static void common(SslContextBuilder builder, X509Certificate[] authorities) {
    builder
        .sslProvider(
            OpenSsl.isAvailable()
                ? io.netty.handler.ssl.SslProvider.OPENSSL
                : io.netty.handler.ssl.SslProvider.JDK)
        .protocols(PROTOCOLS);
    if (authorities != null) {
      builder.trustManager(authorities).clientAuth(ClientAuth.REQUIRE);
    }
  }
}
