package io.github.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.lookup.Key;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyDecoderTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/plain|plain",
        "/a%2Fb|a/b",
        "/a/b|a/b",
        "/a%2fb|a/b",
        "/with%20space|with space",
        "/plus+stays|plus+stays",
        "/caf%C3%A9|café",
        "/user:42?x=1&y=2|user:42",
        "/frag#ment|frag",
        "/%25literal|%literal",
        "http://proxy.example/abs%2Fform?q|abs/form"
      })
  void pathAfterTheFirstSlashIsPercentDecodedAsUtf8(String target, String key)
      throws BadKeyException {
    assertThat(KeyDecoder.decode(target)).isEqualTo(Key.of(key));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/?x=1", "", "*", "/%zz", "/%2", "/%", "/%C3", "/%FF", "/%C3%28"})
  void missingOrUndecodableKeyIsRejected(String target) {
    assertThatThrownBy(() -> KeyDecoder.decode(target)).isInstanceOf(BadKeyException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/\u00c3\u00a9"})
  void rawUtf8BytesInThePathAreKeptAsBytes(String isoLatin1Target) throws BadKeyException {
    // Netty passes the raw request line through as ISO-8859-1: these two characters are the UTF-8
    // bytes of "é".
    assertThat(KeyDecoder.decode(isoLatin1Target)).isEqualTo(Key.of("é"));
  }
}
