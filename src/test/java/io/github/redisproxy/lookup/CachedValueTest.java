package io.github.redisproxy.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A value's lifetime and entity tag, fixed when it is read. */
class CachedValueTest {
  private static final long EXPIRY = TimeUnit.SECONDS.toNanos(60);
  private static final byte[] BYTES = "value".getBytes(StandardCharsets.UTF_8);

  @Test
  void withoutATtlItLivesTheCacheExpiryFromItsLoad() {
    CachedValue value = CachedValue.read(BYTES, -1, 100, 200, EXPIRY);
    assertThat(value.loadedAt()).isEqualTo(200);
    assertThat(value.freshUntil()).isEqualTo(200 + EXPIRY);
    assertThat(value.ttlBound()).isFalse();
  }

  @Test
  void aShorterTtlCountsFromWhenTheReadWasSentSoTheValueNeverOutlivesTheKey() {
    long ttl = TimeUnit.MILLISECONDS.toNanos(800);
    CachedValue value = CachedValue.read(BYTES, ttl, 100, 200, EXPIRY);
    assertThat(value.freshUntil()).isEqualTo(100 + ttl);
    assertThat(value.ttlBound()).isTrue();
    assertThat(CachedValue.TRAITS.expiresAt(value)).isEqualTo(100 + ttl);
  }

  @Test
  void aLongerTtlIsCutToTheCacheExpiry() {
    CachedValue value = CachedValue.read(BYTES, 2 * EXPIRY, 100, 200, EXPIRY);
    assertThat(value.freshUntil()).isEqualTo(200 + EXPIRY);
    assertThat(value.ttlBound()).isFalse();
    assertThat(CachedValue.TRAITS.expiresAt(value)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void secondsLeftRoundDownAndStopAtZero() {
    CachedValue value = CachedValue.read(BYTES, -1, 0, 0, EXPIRY);
    assertThat(value.secondsLeft(0)).isEqualTo(60);
    assertThat(value.secondsLeft(1)).isEqualTo(59);
    assertThat(value.secondsLeft(EXPIRY)).isZero();
    assertThat(value.secondsLeft(EXPIRY + 1)).isZero();
  }

  @Test
  void theEntityTagIsAQuotedHashOfTheBytesAndChangesWithThem() {
    String tag = CachedValue.etag(BYTES);
    assertThat(tag).matches("\"[0-9a-f]{16}\"");
    assertThat(CachedValue.etag("value".getBytes(StandardCharsets.UTF_8))).isEqualTo(tag);
    assertThat(CachedValue.etag("valuf".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(tag);
    assertThat(CachedValue.etag(new byte[0])).matches("\"[0-9a-f]{16}\"");
  }
}
