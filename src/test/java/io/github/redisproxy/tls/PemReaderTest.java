package io.github.redisproxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.testing.TestCertificates;
import io.github.redisproxy.testing.TestCertificates.Issued;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Random;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS files as users have them: a key in any of the three common PEM forms is read; anything
 * else is refused with a one-line reason naming the setting, never an exception of another kind.
 */
class PemReaderTest {
  private static final Issued AUTHORITY = TestCertificates.authority("pem CA");
  private static final Issued SERVER = TestCertificates.server(AUTHORITY, "pem-server");

  @TempDir Path dir;

  @Test
  void readsPkcs8AndPkcs1RsaKeys() throws Exception {
    PrivateKey pkcs8 = key(SERVER.writePkcs8Key(dir.resolve("pkcs8.pem")));
    PrivateKey pkcs1 = key(SERVER.writePkcs1Key(dir.resolve("pkcs1.pem")));

    assertThat(Files.readString(dir.resolve("pkcs1.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY");
    assertThat(pkcs8.getEncoded()).isEqualTo(SERVER.keys().getPrivate().getEncoded());
    assertThat(pkcs1.getEncoded()).isEqualTo(SERVER.keys().getPrivate().getEncoded());
    assertThat(PemReader.matches(pkcs1, SERVER.certificate())).isTrue();
  }

  @Test
  void readsSec1EcKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    var pair = generator.generateKeyPair();
    // SEC1 as openssl writes it: the curve named inside the key structure.
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
    ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
    ECPrivateKey sec1 =
        new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
    Path file = dir.resolve("ec.pem");
    try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(file))) {
      writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }

    assertThat(Files.readString(file)).contains("BEGIN EC PRIVATE KEY");
    assertThat(key(file).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void aKeyOfAnotherCertificateDoesNotMatch() {
    Issued other = TestCertificates.server(AUTHORITY, "other");

    assertThat(PemReader.matches(other.keys().getPrivate(), SERVER.certificate())).isFalse();
  }

  @Test
  void readsACertificateFollowedByItsChain() throws Exception {
    String chain =
        Files.readString(SERVER.writeCertificate(dir.resolve("leaf.pem")))
            + Files.readString(AUTHORITY.writeCertificate(dir.resolve("ca.pem")));

    var certificates =
        PemReader.certificates(chain.getBytes(StandardCharsets.US_ASCII), "TLS_CERT_FILE");

    assertThat(certificates).hasSize(2);
    assertThat(certificates.get(0)).isEqualTo(SERVER.certificate());
  }

  @Test
  void refusesWhatIsNoKeyOrNoCertificateNamingTheSetting() {
    byte[] certificate = pem(SERVER.writeCertificate(dir.resolve("c.pem")));
    byte[] encrypted =
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                + "MIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIRmVaKmkkwQICAggA\n"
                + "-----END ENCRYPTED PRIVATE KEY-----\n")
            .getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> PemReader.privateKey(certificate, "TLS_KEY_FILE"))
        .isInstanceOf(TlsFileException.class)
        .hasMessageStartingWith("TLS_KEY_FILE: ");
    assertThatThrownBy(() -> PemReader.privateKey(encrypted, "TLS_KEY_FILE"))
        .isInstanceOf(TlsFileException.class)
        .hasMessageStartingWith("TLS_KEY_FILE: ");
    assertThatThrownBy(() -> PemReader.certificates(new byte[0], "TLS_CERT_FILE"))
        .isInstanceOf(TlsFileException.class)
        .hasMessageStartingWith("TLS_CERT_FILE: ");
  }

  /**
   * Generated damage to real files (a seeded Random, bounded tries): each is read or refused with a
   * one-line TlsFileException; nothing else escapes.
   */
  @Test
  void damagedFilesAreReadOrRefusedInOneLine() {
    byte[] key = pem(SERVER.writePkcs1Key(dir.resolve("k.pem")));
    byte[] certificate = pem(SERVER.writeCertificate(dir.resolve("c.pem")));
    Random random = new Random(20261204L);
    for (int i = 0; i < 300; i++) {
      byte[] damagedKey = damage(key, random);
      byte[] damagedCertificate = damage(certificate, random);
      try {
        PemReader.privateKey(damagedKey, "TLS_KEY_FILE");
      } catch (TlsFileException e) {
        assertThat(e.getMessage()).startsWith("TLS_KEY_FILE: ").doesNotContain("\n");
      }
      try {
        PemReader.certificates(damagedCertificate, "TLS_CERT_FILE");
      } catch (TlsFileException e) {
        assertThat(e.getMessage()).startsWith("TLS_CERT_FILE: ").doesNotContain("\n");
      }
    }
  }

  private static byte[] damage(byte[] original, Random random) {
    byte[] copy =
        java.util.Arrays.copyOf(
            original, random.nextBoolean() ? original.length : random.nextInt(original.length));
    for (int flips = random.nextInt(4); flips > 0 && copy.length > 0; flips--) {
      copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
    }
    return copy;
  }

  private static PrivateKey key(Path file) throws Exception {
    return PemReader.privateKey(Files.readAllBytes(file), "TLS_KEY_FILE");
  }

  private static byte[] pem(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
