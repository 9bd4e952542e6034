package io.github.redisproxy.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by the test that uses them (none is committed): an authority, and server and
 * client certificates it signs, valid now or already expired. Keys are RSA 2048, written as PKCS#8
 * or, on request, PKCS#1, the two forms the proxy reads.
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A certificate with its key pair. */
  public record Issued(X509Certificate certificate, KeyPair keys) {
    /** Writes the certificate's PEM to {@code file} and returns it. */
    public Path writeCertificate(Path file) {
      return write(file, pem(certificate));
    }

    /** Writes the private key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
    public Path writePkcs8Key(Path file) {
      try {
        return write(file, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Writes the private key as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
    public Path writePkcs1Key(Path file) {
      return write(file, pem(keys.getPrivate()));
    }

    public String subject() {
      return certificate.getSubjectX500Principal().getName();
    }
  }

  private TestCertificates() {}

  /** A self-signed certificate authority. */
  public static Issued authority(String name) {
    KeyPair keys = rsa();
    Instant now = Instant.now();
    try {
      return new Issued(
          sign(
              builder(
                      name,
                      name,
                      keys,
                      now.minus(Duration.ofDays(1)),
                      now.plus(Duration.ofDays(30)))
                  .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                  .addExtension(
                      Extension.keyUsage,
                      true,
                      new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)),
              keys),
          keys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server certificate for 127.0.0.1 and localhost, signed by {@code authority}. */
  public static Issued server(Issued authority, String name) {
    Instant now = Instant.now();
    return leaf(authority, name, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
  }

  /** A client (or server) certificate valid from {@code from} to {@code until}. */
  public static Issued leaf(Issued authority, String name, Instant from, Instant until) {
    KeyPair keys = rsa();
    try {
      GeneralNames names =
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")
              });
      return new Issued(
          sign(
              builder(authority.subject(), name, keys, from, until)
                  .addExtension(Extension.subjectAlternativeName, false, names)
                  .addExtension(Extension.basicConstraints, true, new BasicConstraints(false)),
              authority.keys()),
          keys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A certificate of {@code authority} that expired yesterday. */
  public static Issued expired(Issued authority, String name) {
    Instant now = Instant.now();
    return leaf(authority, name, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
  }

  /**
   * A JDK client context that trusts {@code trusted} only and shows {@code client}'s certificate
   * when it is not null.
   */
  public static SSLContext clientContext(Issued client, Issued... trusted) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (int i = 0; i < trusted.length; i++) {
        trust.setCertificateEntry("trusted-" + i, trusted[i].certificate());
      }
      TrustManagerFactory trustManagers =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      KeyManagerFactory keyManagers = null;
      if (client != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "test".toCharArray();
        keys.setKeyEntry(
            "client",
            client.keys().getPrivate(),
            password,
            new java.security.cert.Certificate[] {client.certificate()});
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keyManagers == null ? null : keyManagers.getKeyManagers(),
          trustManagers.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(
      String issuer, String subject, KeyPair keys, Instant from, Instant until) {
    return new JcaX509v3CertificateBuilder(
        new X500Name(issuer.contains("=") ? issuer : "CN=" + issuer),
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(from),
        Date.from(until),
        new X500Name("CN=" + subject),
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static Path write(Path file, String text) {
    try {
      // Written to a temporary file and moved, as a certificate manager does, so that the proxy
      // never reads half a file.
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.writeString(partial, text, StandardCharsets.US_ASCII);
      return Files.move(
          partial,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
