package io.github.redisproxy.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One command as a client sent it: its name and its arguments, copied out of Netty's buffers so
 * that it outlives them.
 *
 * @param name the command name in lower case, as Redis quotes it in error messages
 * @param args the arguments after the name, as raw bytes
 */
record RespCommand(String name, List<byte[]> args) {

  /**
   * The command these words make, or {@code null} for none (an empty array or a blank inline line),
   * which Redis ignores.
   */
  static RespCommand of(List<byte[]> words) {
    if (words.isEmpty()) {
      return null;
    }
    return new RespCommand(name(words.get(0)), List.copyOf(words.subList(1, words.size())));
  }

  /** The name in lower case; the commonest ones without building a string. */
  private static String name(byte[] word) {
    if (word.length == 3
        && (word[0] | 0x20) == 'g'
        && (word[1] | 0x20) == 'e'
        && (word[2] | 0x20) == 't') {
      return "get";
    }
    return new String(word, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
  }

  byte[] arg(int index) {
    return args.get(index);
  }

  String argText(int index) {
    return new String(args.get(index), StandardCharsets.UTF_8);
  }
}
