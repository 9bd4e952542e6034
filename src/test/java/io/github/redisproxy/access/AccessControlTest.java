package io.github.redisproxy.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens find their client by the hash alone, or by name and hash; nothing else matches. */
class AccessControlTest {
  @TempDir Path dir;

  @Test
  void aTokenFindsItsClientAndANameMustMatchItsOwnToken() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("tokens"),
            "alice sha256:"
                + TokensFileTest.sha256("alice-secret-123456")
                + " user:\nbob sha256:"
                + TokensFileTest.sha256("bob-secret-1234567")
                + " *\n");
    try (AccessControl access = AccessControl.load(file)) {
      assertThat(access.enabled()).isTrue();
      assertThat(access.authenticate(bytes("alice-secret-123456")))
          .map(Client::name)
          .hasValue("alice");
      assertThat(access.authenticate("bob", bytes("bob-secret-1234567")))
          .map(Client::name)
          .hasValue("bob");
      assertThat(access.authenticate("bob", bytes("alice-secret-123456"))).isEmpty();
      assertThat(access.authenticate(bytes("alice-secret-12345"))).isEmpty();
      assertThat(access.authenticate(new byte[0])).isEmpty();
    }
  }

  @Test
  void theManagementTokenMatchesOnlyItself() {
    ManagementToken token = ManagementToken.of(Optional.of("management-token-42"));

    assertThat(token.required()).isTrue();
    assertThat(token.matches(bytes("management-token-42"))).isTrue();
    assertThat(token.matches(bytes("management-token-43"))).isFalse();
    assertThat(token.matches(null)).isFalse();
    assertThat(ManagementToken.of(Optional.empty()).required()).isFalse();
  }

  @Test
  void bearerTokensAreReadAsRfc6750Writes() {
    assertThat(BearerToken.from("Bearer abc.DEF-123_~+/==")).isEqualTo(bytes("abc.DEF-123_~+/=="));
    assertThat(BearerToken.from("bearer  abc")).isEqualTo(bytes("abc"));
    assertThat(BearerToken.from("Basic dXNlcjpwYXNz")).isNull();
    assertThat(BearerToken.from("Bearer")).isNull();
    assertThat(BearerToken.from("Bearer a b")).isNull();
    assertThat(BearerToken.from(null)).isNull();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
