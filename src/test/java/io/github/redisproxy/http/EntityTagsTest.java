package io.github.redisproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code If-None-Match} compared weakly, as RFC 9110 says for that header. */
class EntityTagsTest {
  private static final String TAG = "\"0123456789abcdef\"";

  @Test
  void theSameTagMatches() {
    assertThat(EntityTags.anyMatches(TAG, TAG)).isTrue();
  }

  @Test
  void aWeakTagMatchesTheStrongOneWithTheSameValue() {
    assertThat(EntityTags.anyMatches("W/" + TAG, TAG)).isTrue();
  }

  @Test
  void anAsteriskMatchesAnyTag() {
    assertThat(EntityTags.anyMatches("*", TAG)).isTrue();
  }

  @Test
  void aListMatchesIfAnyOfItsTagsDoes() {
    assertThat(EntityTags.anyMatches("\"other\", W/\"x\" ," + TAG, TAG)).isTrue();
    assertThat(EntityTags.anyMatches("\"other\",\"x\"", TAG)).isFalse();
  }

  @Test
  void aTagThatOnlyStartsOrEndsTheSameDoesNotMatch() {
    assertThat(EntityTags.anyMatches("\"0123456789abcdef0\"", TAG)).isFalse();
    assertThat(EntityTags.anyMatches("\"0123456789abcde\"", TAG)).isFalse();
    assertThat(EntityTags.anyMatches("0123456789abcdef", TAG)).as("unquoted").isFalse();
  }

  @Test
  void aMalformedHeaderMatchesNothing() {
    assertThat(EntityTags.anyMatches("\"unterminated", TAG)).isFalse();
    assertThat(EntityTags.anyMatches("", TAG)).isFalse();
    assertThat(EntityTags.anyMatches(" , ", TAG)).isFalse();
  }
}
