package io.github.redisproxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificates and keys: the JDK for certificates, Bouncy Castle's PEM parser for keys,
 * which takes PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC
 * PRIVATE KEY}) alike.
 */
final class PemReader {
  private PemReader() {}

  /** Every certificate in {@code pem}, in order; at least one. */
  static List<X509Certificate> certificates(byte[] pem, String setting) throws TlsFileException {
    try {
      List<X509Certificate> certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))
              .stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (certificates.isEmpty()) {
        throw new TlsFileException(setting, "no PEM certificate in the file");
      }
      return certificates;
    } catch (CertificateException e) {
      throw new TlsFileException(setting, "not a PEM certificate (" + oneLine(e) + ")");
    }
  }

  /** The one unencrypted private key in {@code pem}. */
  static PrivateKey privateKey(byte[] pem, String setting) throws TlsFileException {
    try (Reader reader =
            new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new TlsFileException(
              setting,
              "the key is encrypted; give it unencrypted (the file's permissions guard it)");
        }
      }
      throw new TlsFileException(setting, "no PEM private key in the file");
    } catch (IOException | RuntimeException e) {
      throw new TlsFileException(setting, "not a PEM private key (" + oneLine(e) + ")");
    }
  }

  /**
   * Whether {@code key} is the private half of {@code certificate}'s public key: a signature made
   * with one must verify with the other. A mismatch would otherwise surface only as failed
   * handshakes.
   */
  static boolean matches(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // an unusual key type: the handshake is the judge
    }
    try {
      byte[] probe = "redis-proxy".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      PublicKey publicKey = certificate.getPublicKey();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  static String oneLine(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return message.replaceAll("\\s+", " ").strip();
  }
}
