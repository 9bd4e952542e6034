package io.github.redisproxy.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AUTH_TOKENS_FILE as operators write it: one client per line; every other line is a comment or
 * blank; anything else is refused naming its line, and never throws another exception.
 */
class TokensFileTest {
  private static final String ALICE_HASH = sha256("alice-token-0123456789");
  private static final String BOB_HASH = sha256("bob-token-0123456789");

  @Test
  void readsClientsPrefixesAndComments() throws Exception {
    List<Client> clients =
        TokensFile.parse(
            List.of(
                "# who may read",
                "",
                "alice sha256:" + ALICE_HASH + " user:,session:   # two prefixes",
                "  bob   sha256:" + BOB_HASH.toUpperCase() + "   *"));

    assertThat(clients).extracting(Client::name).containsExactly("alice", "bob");
    Client alice = clients.get(0);
    assertThat(alice.mayRead(Key.of("user:1"))).isTrue();
    assertThat(alice.mayRead(Key.of("session:x"))).isTrue();
    assertThat(alice.mayRead(Key.of("admin:1"))).isFalse();
    assertThat(alice.mayRead(Key.of("use"))).isFalse();
    assertThat(clients.get(1).mayRead(Key.of("anything"))).isTrue();
    assertThat(alice.toString()).doesNotContain(ALICE_HASH);
  }

  @Test
  void refusesWrongLinesNamingThem() {
    String hash = " sha256:" + ALICE_HASH + " ";
    List<List<String>> files =
        List.of(
            List.of("alice" + hash),
            List.of("alice sha256:abc *"),
            List.of("alice md5:" + ALICE_HASH + " *"),
            List.of("al ice" + hash + "*"),
            List.of("alice" + hash + "a,,b"),
            List.of("alice" + hash + "*", "alice sha256:" + BOB_HASH + " *"),
            List.of("alice" + hash + "*", "bob" + hash + "*"));
    for (List<String> file : files) {
      assertThatThrownBy(() -> TokensFile.parse(file))
          .as(file.toString())
          .isInstanceOf(TokensFileException.class)
          .hasMessageStartingWith("line " + file.size() + ": ");
    }
  }

  /**
   * Generated files (a seeded Random, bounded tries): valid lines round-trip to the same clients;
   * mutated lines parse or are refused with a one-line TokensFileException that never repeats a
   * hash; nothing else escapes.
   */
  @Test
  void generatedFilesRoundTripAndMutationsAreRefusedInOneLine() throws Exception {
    Random random = new Random(20261204L);
    for (int attempt = 0; attempt < 500; attempt++) {
      List<String> lines = new ArrayList<>();
      List<String> names = new ArrayList<>();
      int count = 1 + random.nextInt(5);
      for (int i = 0; i < count; i++) {
        String name = "client" + i + "-" + random.nextInt(1000);
        names.add(name);
        lines.add(
            name
                + " sha256:"
                + sha256(name + random.nextLong())
                + " "
                + (random.nextInt(4) == 0 ? "*" : "p" + i + ":,q" + random.nextInt(100) + ":"));
        if (random.nextBoolean()) {
          lines.add("# comment " + i);
        }
      }
      assertThat(TokensFile.parse(lines)).extracting(Client::name).isEqualTo(names);

      List<String> mutated = new ArrayList<>(lines);
      int line = random.nextInt(mutated.size());
      mutated.set(line, mutate(mutated.get(line), random));
      try {
        TokensFile.parse(mutated);
      } catch (TokensFileException e) {
        assertThat(e.getMessage()).matches("line \\d+: [^\\n]*");
        for (String original : lines) {
          for (String field : original.split(" ")) {
            if (field.startsWith("sha256:")) {
              assertThat(e.getMessage()).doesNotContain(field.substring(7));
            }
          }
        }
      }
    }
  }

  private static String mutate(String line, Random random) {
    StringBuilder text = new StringBuilder(line);
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      int at = random.nextInt(text.length() + 1);
      switch (random.nextInt(3)) {
        case 0 -> text.insert(at, (char) random.nextInt(0x250));
        case 1 -> {
          if (at < text.length()) {
            text.deleteCharAt(at);
          }
        }
        default -> text.insert(at, " ,#*\t".charAt(random.nextInt(5)));
      }
    }
    return text.toString();
  }

  static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
