package io.github.redisproxy.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prefixes admit the keys whose bytes begin with them, and nothing else; a token finds its line
 * wherever that line is, by hash alone or by name and hash; a line read earlier is followed across
 * reloads.
 */
class ClientsTest {

  @Test
  void aPrefixAdmitsTheKeysThatBeginWithItsBytes() {
    Client alice = client("alice", "token-a", List.of("user:", "s"), false);

    assertThat(alice.mayRead(Key.of("user:1"))).isTrue();
    assertThat(alice.mayRead(Key.of("user:"))).as("the prefix itself").isTrue();
    assertThat(alice.mayRead(Key.of("s"))).isTrue();
    assertThat(alice.mayRead(Key.of("session"))).isTrue();
    assertThat(alice.mayRead(Key.of("user"))).as("shorter than the prefix").isFalse();
    assertThat(alice.mayRead(Key.of("users:1"))).isFalse();
    assertThat(alice.mayRead(Key.of("USER:1"))).as("bytes, not case-folded").isFalse();
    assertThat(alice.mayRead(Key.of(""))).isFalse();
    assertThat(alice.mayRead(Key.of(" user:1"))).isFalse();
  }

  @Test
  void aPrefixIsComparedAsUtf8BytesAndAnyKeyByteMayFollow() {
    Client client = client("c", "token-c", List.of("é:"), false);

    assertThat(client.mayRead(Key.of("é:x".getBytes(StandardCharsets.UTF_8)))).isTrue();
    assertThat(client.mayRead(Key.of(new byte[] {(byte) 0xC3, (byte) 0xA9, ':', (byte) 0xFF})))
        .as("a key that is not UTF-8 after the prefix")
        .isTrue();
    assertThat(client.mayRead(Key.of("é:".getBytes(StandardCharsets.ISO_8859_1)))).isFalse();
    assertThat(client.mayRead(Key.of(new byte[] {(byte) 0xC3}))).isFalse();
  }

  @Test
  void everyKeyMeansEveryKeyAndNoPrefixesMeansNone() {
    assertThat(client("all", "t1", List.of(), true).mayRead(Key.of(new byte[] {0, 1}))).isTrue();
    assertThat(client("all", "t1", List.of(), true).mayRead(Key.of(""))).isTrue();
    assertThat(client("none", "t2", List.of(), false).mayRead(Key.of("a"))).isFalse();
  }

  /** Whichever line matches, first, middle or last, is found; no other line is. */
  @Test
  void aTokenFindsItsLineWhereverItIs() {
    List<Client> lines = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      lines.add(client("client" + i, "token-" + i, List.of("p" + i + ":"), false));
    }
    Clients clients = new Clients(lines);

    for (int i = 0; i < 5; i++) {
      assertThat(clients.find(null, hash("token-" + i))).map(Client::name).hasValue("client" + i);
      assertThat(clients.find("client" + i, hash("token-" + i))).isPresent();
      assertThat(clients.find("client" + ((i + 1) % 5), hash("token-" + i)))
          .as("another line's name with this token")
          .isEmpty();
    }
    assertThat(clients.find(null, hash("token-5"))).isEmpty();
    assertThat(clients.find("client0", hash("token-5"))).isEmpty();
  }

  /** Hashes that differ only in their first or only in their last byte are both refused. */
  @Test
  void aHashDifferingInOneByteAnywhereIsRefused() {
    Clients clients = new Clients(List.of(client("alice", "token-a", List.of(), true)));
    byte[] right = hash("token-a");

    for (int at : new int[] {0, 15, 31}) {
      byte[] wrong = right.clone();
      wrong[at] ^= 1;
      assertThat(clients.find(null, wrong)).as("differs at byte " + at).isEmpty();
    }
    assertThat(clients.find(null, new byte[0])).isEmpty();
    assertThat(clients.find(null, java.util.Arrays.copyOf(right, 31))).isEmpty();
    assertThat(clients.find(null, right)).isPresent();
  }

  /** A connection that logged in keeps its line while the line keeps its token. */
  @Test
  void aLineReadEarlierIsFollowedByNameAndToken() {
    Client before = client("alice", "token-a", List.of("user:"), false);
    Client widened = client("alice", "token-a", List.of("user:", "admin:"), false);
    Client rotated = client("alice", "token-b", List.of("user:"), false);

    assertThat(new Clients(List.of(before)).current(before)).containsSame(before);
    assertThat(new Clients(List.of(widened)).current(before)).containsSame(widened);
    assertThat(new Clients(List.of(rotated)).current(before)).as("token changed").isEmpty();
    assertThat(new Clients(List.of()).current(before)).as("line removed").isEmpty();
    assertThat(Clients.NONE.size()).isZero();
  }

  @Test
  void noSecretInToString() {
    Client alice = client("alice", "token-a", List.of("user:"), false);

    assertThat(alice.toString())
        .isEqualTo("Client[alice]")
        .doesNotContain(HexFormat.of().formatHex(hash("token-a")));
  }

  static Client client(String name, String token, List<String> prefixes, boolean everyKey) {
    return new Client(name, hash(token), prefixes, everyKey);
  }

  static byte[] hash(String token) {
    return SecretHash.sha256(token.getBytes(StandardCharsets.UTF_8));
  }
}
