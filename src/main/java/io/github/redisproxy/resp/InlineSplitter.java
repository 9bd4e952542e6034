package io.github.redisproxy.resp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command (what {@code telnet} and {@code nc} users type) into words the way Redis
 * does: spaces separate words, and "double" or 'single' quotes group them, with {@code \n}, {@code
 * \t}, {@code \"} and {@code \xHH} escapes inside double quotes.
 */
final class InlineSplitter {
  private InlineSplitter() {}

  static List<byte[]> split(String line) {
    List<byte[]> words = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (true) {
      while (i < n && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i >= n) {
        return words;
      }
      ByteArrayOutputStream word = new ByteArrayOutputStream();
      char quote = 0;
      while (i < n) {
        char c = line.charAt(i);
        if (quote == 0) {
          if (Character.isWhitespace(c)) {
            break;
          }
          if (c == '"' || c == '\'') {
            quote = c;
          } else {
            append(word, c);
          }
          i++;
          continue;
        }
        if (c == quote) {
          quote = 0;
          i++;
          if (i < n && !Character.isWhitespace(line.charAt(i))) {
            throw new RespProtocolException("unbalanced quotes in request");
          }
          break;
        }
        if (c == '\\' && quote == '"' && i + 1 < n) {
          i += escape(line, i + 1, word);
          continue;
        }
        append(word, c);
        i++;
      }
      if (quote != 0) {
        throw new RespProtocolException("unbalanced quotes in request");
      }
      words.add(word.toByteArray());
    }
  }

  /**
   * Appends the escaped character that follows a backslash at {@code at}; returns how many
   * characters it used.
   */
  private static int escape(String line, int at, ByteArrayOutputStream word) {
    char next = line.charAt(at);
    if (next == 'x' && at + 2 < line.length()) {
      int high = Character.digit(line.charAt(at + 1), 16);
      int low = Character.digit(line.charAt(at + 2), 16);
      if (high >= 0 && low >= 0) {
        word.write(high << 4 | low);
        return 4;
      }
    }
    switch (next) {
      case 'n' -> word.write('\n');
      case 'r' -> word.write('\r');
      case 't' -> word.write('\t');
      case 'b' -> word.write('\b');
      case 'a' -> word.write(7);
      default -> append(word, next);
    }
    return 2;
  }

  private static void append(ByteArrayOutputStream word, char c) {
    word.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
  }
}
