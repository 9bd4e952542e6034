package io.github.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.lookup.Key;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * The key decoder against any request target a client can send: it answers a key or a {@link
 * BadKeyException} (400), never anything else; and any key, percent-encoded, decodes to itself.
 * Fixed seeds: the same tries on every run.
 */
class KeyDecoderProperties {

  /** Request targets as Netty hands them over: ISO-8859-1 characters, heavy on the tricky ones. */
  @Provide
  Arbitrary<String> requestTargets() {
    Arbitrary<String> tricky =
        Arbitraries.of("%", "%2", "%2F", "%zz", "%C3", "%C3%A9", "%FF", "?", "#", "/", "://", "+");
    Arbitrary<String> bytes =
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(8);
    Arbitrary<String> anyChars = Arbitraries.strings().ofMaxLength(4); // beyond one byte, too
    return Arbitraries.oneOf(tricky, bytes, anyChars)
        .list()
        .ofMaxSize(12)
        .map(parts -> String.join("", parts))
        .flatMap(
            rest ->
                Arbitraries.of("/", "", "http://host/", "http://host", "//").map(p -> p + rest));
  }

  @Property(seed = "20261203", tries = 5000)
  void anyRequestTargetIsAKeyOrABadKeyNeverAnythingElse(@ForAll("requestTargets") String target) {
    try {
      Key key = KeyDecoder.decode(target);
      assertThat(key).isNotNull();
    } catch (BadKeyException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }
  }

  @Property(seed = "20261203", tries = 2000)
  void anyKeyPercentEncodedDecodesToItself(@ForAll @StringLength(min = 1, max = 40) String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder target = new StringBuilder("/");
    for (byte b : bytes) {
      target.append('%').append(String.format("%02X", b & 0xff));
    }
    Key key;
    try {
      key = KeyDecoder.decode(target.toString());
    } catch (BadKeyException e) {
      // Only text that is not valid UTF-8 (a lone surrogate, encoded as '?') may be refused.
      assertThat(new String(bytes, StandardCharsets.UTF_8)).isNotEqualTo(text);
      return;
    }
    assertThat(key).isEqualTo(Key.of(bytes));
  }
}
