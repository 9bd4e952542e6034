package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Values are bytes end to end: nothing is decoded, re-encoded, truncated or copied wrongly on the
 * way.
 */
class BinaryValuesIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  private static final ProxyClient http = proxy.http();

  /** A value holding every byte value round trips exactly as a miss and as a hit. */
  @Test
  void everyByteValueRoundTrips() {
    byte[] value = new byte[512];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i; // 0x00..0xff twice, so a decoder that stops at a NUL or 0xff shows
    }
    redis.binary().set(key("binary:all-bytes"), value);

    assertServedTwice("/binary:all-bytes", value);
  }

  /** A 5 MB random value round trips exactly as a miss and as a hit. */
  @Test
  void fiveMegabyteValueRoundTrips() {
    byte[] value = new byte[5 * 1024 * 1024];
    new Random(20240601L).nextBytes(value);
    redis.binary().set(key("binary:5mb"), value);

    assertServedTwice("/binary:5mb", value);
  }

  /** A value that is invalid UTF-8 is not replaced or reencoded. */
  @Test
  void invalidUtf8IsServedUnchanged() {
    byte[] value = {
      (byte) 0xC3, 0x28, (byte) 0xA0, (byte) 0xA1, (byte) 0xE2, 0x28, (byte) 0xA1, (byte) 0xF0, 0x28
    };
    redis.binary().set(key("binary:invalid-utf8"), value);

    assertServedTwice("/binary:invalid-utf8", value);
  }

  private void assertServedTwice(String path, byte[] value) {
    HttpResponse<byte[]> miss = http.get(path);
    assertEquals(200, miss.statusCode());
    assertEquals(Optional.of("MISS"), miss.headers().firstValue("X-Cache"));
    assertEquals(
        Optional.of(Integer.toString(value.length)), miss.headers().firstValue("Content-Length"));
    assertArrayEquals(value, miss.body());

    HttpResponse<byte[]> hit = http.get(path);
    assertEquals(200, hit.statusCode());
    assertEquals(Optional.of("HIT"), hit.headers().firstValue("X-Cache"));
    assertArrayEquals(value, hit.body());
    assertEquals(1, redis.getCalls());
  }

  private static byte[] key(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
