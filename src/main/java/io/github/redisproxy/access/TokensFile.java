package io.github.redisproxy.access;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads AUTH_TOKENS_FILE: one client per line, {@code name sha256:<64 hex digits>
 * prefix[,prefix...]}, where {@code *} means every key; blank lines and lines starting with {@code
 * #} are skipped, as is a {@code #} after a space. The file holds hashes only, so a leaked copy
 * gives no token away.
 */
public final class TokensFile {
  /** What a line must look like; said in every error. */
  static final String FORM = "expected 'name sha256:<64 hex digits> key-prefix[,key-prefix...]'";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final Pattern HASH = Pattern.compile("sha256:[0-9a-fA-F]{64}");

  private TokensFile() {}

  /** The clients the lines name, in order, or the first line that is wrong. */
  public static List<Client> parse(List<String> lines) throws TokensFileException {
    List<Client> clients = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (int number = 1; number <= lines.size(); number++) {
      String text = withoutComment(lines.get(number - 1)).strip();
      if (text.isEmpty()) {
        continue;
      }
      String[] fields = text.split("\\s+");
      if (fields.length != 3) {
        throw new TokensFileException(number, FORM + ", found " + fields.length + " fields");
      }
      String name = fields[0];
      if (!NAME.matcher(name).matches()) {
        throw new TokensFileException(
            number, "a name is 1 to 64 letters, digits or . _ @ -; " + FORM);
      }
      if (!HASH.matcher(fields[1]).matches()) {
        throw new TokensFileException(
            number, "the second field is not sha256: and 64 hex digits; " + FORM);
      }
      String hex = fields[1].substring("sha256:".length()).toLowerCase(java.util.Locale.ROOT);
      if (!names.add(name)) {
        throw new TokensFileException(number, "the name " + name + " is on an earlier line too");
      }
      if (!hashes.add(hex)) {
        throw new TokensFileException(
            number, "the token of " + name + " is an earlier line's too: tokens must differ");
      }
      List<String> prefixes = new ArrayList<>();
      boolean everyKey = false;
      for (String prefix : fields[2].split(",", -1)) {
        if (prefix.isEmpty()) {
          throw new TokensFileException(number, "an empty key prefix; " + FORM);
        }
        if (prefix.equals("*")) {
          everyKey = true;
        } else {
          prefixes.add(prefix);
        }
      }
      clients.add(new Client(name, HexFormat.of().parseHex(hex), List.copyOf(prefixes), everyKey));
    }
    return List.copyOf(clients);
  }

  /** A whole-line comment, or one that starts after a space or a tab. */
  private static String withoutComment(String line) {
    if (line.strip().startsWith("#")) {
      return "";
    }
    for (int i = 1; i < line.length(); i++) {
      if (line.charAt(i) == '#' && Character.isWhitespace(line.charAt(i - 1))) {
        return line.substring(0, i);
      }
    }
    return line;
  }
}
