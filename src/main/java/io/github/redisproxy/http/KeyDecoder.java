package io.github.redisproxy.http;

import io.github.redisproxy.lookup.Key;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a request target into a key: the whole path after the first {@code /}, percent-decoded as
 * UTF-8. A {@code %2F} becomes a {@code /}, a literal {@code /} stays part of the key, {@code +}
 * stays a plus, and the query string is ignored.
 */
public final class KeyDecoder {
  private KeyDecoder() {}

  public static Key decode(String requestTarget) throws BadKeyException {
    String path = pathOf(requestTarget);
    if (!path.startsWith("/")) {
      throw new BadKeyException("the request path must start with /");
    }
    if (path.length() == 1) {
      throw new BadKeyException("no key: request GET /{key}");
    }
    byte[] bytes = percentDecode(path, 1);
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      throw new BadKeyException("the key is not valid UTF-8 after percent-decoding");
    }
    return Key.of(bytes);
  }

  /**
   * The path of an origin-form ({@code /a?b}) or absolute-form ({@code http://host/a?b}) request
   * target.
   */
  private static String pathOf(String target) {
    String path = target;
    int scheme = path.indexOf("://");
    if (scheme > 0 && !path.startsWith("/")) {
      int slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    int fragment = path.indexOf('#');
    return fragment < 0 ? path : path.substring(0, fragment);
  }

  /**
   * Netty hands over the request line as ISO-8859-1 characters, so each character is one byte of
   * the original.
   */
  private static byte[] percentDecode(String text, int from) throws BadKeyException {
    byte[] out = new byte[text.length() - from];
    int length = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        if (i + 2 >= text.length()) {
          throw new BadKeyException("truncated percent-encoding at position " + i);
        }
        int high = Character.digit(text.charAt(i + 1), 16);
        int low = Character.digit(text.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          throw new BadKeyException(
              "bad percent-encoding \"" + text.substring(i, i + 3) + "\" at position " + i);
        }
        out[length++] = (byte) (high << 4 | low);
        i += 2;
      } else if (c > 0xff) {
        throw new BadKeyException("the request path holds a character that is not a byte");
      } else {
        out[length++] = (byte) c;
      }
    }
    return java.util.Arrays.copyOf(out, length);
  }
}
