package io.github.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The key decoder against generated request targets: it answers a key or a {@link BadKeyException}
 * (400), never anything else; and any key, percent-encoded, decodes to itself. A fixed seed: the
 * same tries on every run, and a failure names the input.
 */
class KeyDecoderPropertiesTest {
  private static final long SEED = 20261203L;
  private static final List<String> TRICKY =
      List.of("%", "%2", "%2F", "%zz", "%C3", "%C3%A9", "%FF", "?", "#", "/", "://", "+");
  private static final List<String> PREFIXES =
      List.of("/", "", "http://host/", "http://host", "//");

  /** Request targets as Netty hands them over: ISO-8859-1 characters, heavy on the tricky ones. */
  private static String requestTarget(Random random) {
    StringBuilder target = new StringBuilder(PREFIXES.get(random.nextInt(PREFIXES.size())));
    for (int parts = random.nextInt(13); parts > 0; parts--) {
      switch (random.nextInt(3)) {
        case 0 -> target.append(TRICKY.get(random.nextInt(TRICKY.size())));
        case 1 -> {
          for (int i = random.nextInt(9); i > 0; i--) {
            target.append((char) random.nextInt(0x100)); // any byte
          }
        }
        default -> {
          for (int i = random.nextInt(5); i > 0; i--) {
            target.append((char) random.nextInt(0x10000)); // beyond one byte, too
          }
        }
      }
    }
    return target.toString();
  }

  @Test
  void anyRequestTargetIsAKeyOrABadKeyNeverAnythingElse() {
    Random random = new Random(SEED);
    int keys = 0;
    int refused = 0;
    for (int i = 0; i < 5000; i++) {
      String target = requestTarget(random);
      try {
        assertThat(KeyDecoder.decode(target)).as(target).isNotNull();
        keys++;
      } catch (BadKeyException e) {
        assertThat(e.getMessage()).as(target).isNotBlank().doesNotContain("\n");
        refused++;
      } catch (RuntimeException e) {
        throw new AssertionError("request target " + escaped(target) + " threw " + e, e);
      }
    }
    assertThat(keys).as("the inputs reach both answers").isGreaterThan(100);
    assertThat(refused).isGreaterThan(100);
  }

  @Test
  void anyKeyPercentEncodedDecodesToItself() throws BadKeyException {
    Random random = new Random(SEED);
    for (int i = 0; i < 2000; i++) {
      StringBuilder text = new StringBuilder();
      for (int length = 1 + random.nextInt(40); length > 0; length--) {
        text.appendCodePoint(randomCodePoint(random));
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      StringBuilder target = new StringBuilder("/");
      for (byte b : bytes) {
        target.append('%').append(String.format("%02X", b & 0xff));
      }
      assertThat(KeyDecoder.decode(target.toString()))
          .as(escaped(text.toString()))
          .isEqualTo(Key.of(bytes));
    }
  }

  /** ASCII most of the time, else any Unicode scalar value (no surrogates: they are not text). */
  private static int randomCodePoint(Random random) {
    if (random.nextInt(3) > 0) {
      return random.nextInt(0x80);
    }
    int codePoint;
    do {
      codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
    } while (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE);
    return codePoint;
  }

  private static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    text.chars()
        .forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : (char) c));
    return out.toString();
  }
}
