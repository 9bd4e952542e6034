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
   * Generated files (a seeded Random, bounded tries): a valid file, written with the freedom the
   * format allows (spacing, case of the hex, comments, blank lines), reads back as exactly the
   * clients it was made from.
   */
  @Test
  void generatedFilesRoundTrip() throws Exception {
    Random random = new Random(20261204L);
    for (int attempt = 0; attempt < 500; attempt++) {
      GeneratedFile file = GeneratedFile.random(random);

      List<Client> read = TokensFile.parse(file.text().lines().toList());

      assertThat(read).as(file.text()).hasSize(file.clients().size());
      for (int i = 0; i < read.size(); i++) {
        Client expected = file.clients().get(i);
        Client actual = read.get(i);
        assertThat(actual.name()).isEqualTo(expected.name());
        assertThat(actual.tokenHash()).isEqualTo(expected.tokenHash());
        assertThat(actual.prefixes()).isEqualTo(expected.prefixes());
        assertThat(actual.everyKey()).isEqualTo(expected.everyKey());
      }
    }
  }

  /**
   * A valid file with one line damaged, or with a line of random characters added: it parses, or it
   * is refused with a one-line TokensFileException naming a line of the file (the damaged one or a
   * later one, when no line break was added) and never repeating a hash; no other exception
   * escapes.
   */
  @Test
  void damagedFilesParseOrAreRefusedInOneLineNamingTheLine() {
    Random random = new Random(1304L);
    int refused = 0;
    for (int attempt = 0; attempt < 1000; attempt++) {
      GeneratedFile file = GeneratedFile.random(random);
      List<String> lines = new ArrayList<>(file.text().lines().toList());
      int damaged = random.nextInt(lines.size());
      String line = random.nextInt(4) == 0 ? noise(random) : mutate(lines.get(damaged), random);
      if (random.nextInt(4) == 0) {
        lines.add(damaged, line);
      } else {
        lines.set(damaged, line);
      }
      String text = String.join("\n", lines);
      List<String> read = text.lines().toList();
      try {
        TokensFile.parse(read);
      } catch (TokensFileException e) {
        refused++;
        assertThat(e.getMessage()).as(text).matches("line \\d+: [^\\r\\n]*");
        int number = Integer.parseInt(e.getMessage().replaceFirst("line (\\d+):.*", "$1"));
        assertThat(number).as(text).isBetween(1, read.size());
        if (read.size() == lines.size()) {
          assertThat(number).as("the damaged line or a later one\n" + text).isGreaterThan(damaged);
        }
        for (Client client : file.clients()) {
          assertThat(e.getMessage().toLowerCase(java.util.Locale.ROOT))
              .doesNotContain(HexFormat.of().formatHex(client.tokenHash()));
        }
      }
    }
    assertThat(refused).as("damaged files refused").isGreaterThan(300);
  }

  /**
   * A file of 1 to 5 clients, with names, hashes and prefixes drawn from what the format allows.
   */
  private record GeneratedFile(String text, List<Client> clients) {
    private static final String NAME_CHARS =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-";
    private static final String PREFIX_CHARS = "abcxyz019:/._-*#{}é€";

    static GeneratedFile random(Random random) {
      StringBuilder text = new StringBuilder();
      List<Client> clients = new ArrayList<>();
      int count = 1 + random.nextInt(5);
      for (int i = 0; i < count; i++) {
        if (random.nextInt(3) == 0) {
          text.append(random.nextBoolean() ? "\n" : "  # a comment, sha256:x *\n");
        }
        String name = i + word(random, NAME_CHARS, 0, 20);
        byte[] hash = new byte[32];
        random.nextBytes(hash);
        String hex = HexFormat.of().formatHex(hash);
        List<String> prefixes = new ArrayList<>();
        boolean everyKey = false;
        List<String> written = new ArrayList<>();
        for (int p = 1 + random.nextInt(3); p > 0; p--) {
          if (random.nextInt(5) == 0) {
            everyKey = true;
            written.add("*");
          } else {
            String prefix = "k" + word(random, PREFIX_CHARS, 0, 8);
            prefixes.add(prefix);
            written.add(prefix);
          }
        }
        text.append(space(random, 0))
            .append(name)
            .append(space(random, 1))
            .append("sha256:")
            .append(random.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT))
            .append(space(random, 1))
            .append(String.join(",", written))
            .append(random.nextBoolean() ? "" : space(random, 1) + "# " + name)
            .append(space(random, 0))
            .append(random.nextBoolean() ? "\n" : "\r\n");
        clients.add(new Client(name, hash, prefixes, everyKey));
      }
      return new GeneratedFile(text.toString(), clients);
    }

    private static String word(Random random, String chars, int min, int max) {
      StringBuilder word = new StringBuilder();
      for (int n = min + random.nextInt(max - min + 1); n > 0; n--) {
        word.append(chars.charAt(random.nextInt(chars.length())));
      }
      return word.toString();
    }

    private static String space(Random random, int min) {
      return word(random, " \t", min, 3).isEmpty() && min > 0 ? " " : word(random, " \t", min, 3);
    }
  }

  private static String noise(Random random) {
    StringBuilder text = new StringBuilder();
    for (int n = random.nextInt(120); n > 0; n--) {
      text.append(
          (char) (random.nextInt(3) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(95)));
    }
    return text.toString();
  }

  private static String mutate(String line, Random random) {
    StringBuilder text = new StringBuilder(line);
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      int at = random.nextInt(text.length() + 1);
      switch (random.nextInt(4)) {
        case 0 -> text.insert(at, (char) random.nextInt(0x250));
        case 1 -> {
          if (at < text.length()) {
            text.deleteCharAt(at);
          }
        }
        case 2 -> {
          if (at < text.length()) {
            text.setCharAt(at, "0aZ:, *#".charAt(random.nextInt(8)));
          }
        }
        default -> text.insert(at, " ,#*\t\n".charAt(random.nextInt(6)));
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
