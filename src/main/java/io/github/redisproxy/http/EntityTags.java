package io.github.redisproxy.http;

/**
 * {@code If-None-Match} as RFC 9110 (13.1.2) reads it: {@code *}, or a list of entity tags compared
 * weakly (a {@code W/} prefix is ignored), so a tag the proxy sent matches itself with or without
 * it.
 */
final class EntityTags {
  private EntityTags() {}

  /** Whether the header's value names {@code etag} (quotes included) or is {@code *}. */
  static boolean anyMatches(String ifNoneMatch, String etag) {
    int length = ifNoneMatch.length();
    int at = 0;
    while (at < length) {
      char c = ifNoneMatch.charAt(at);
      if (c == ' ' || c == '\t' || c == ',') {
        at++;
        continue;
      }
      if (c == '*') {
        return true;
      }
      if (ifNoneMatch.startsWith("W/", at)) {
        at += 2;
      }
      if (at >= length || ifNoneMatch.charAt(at) != '"') {
        return false; // not a list of tags: ignore the header, as if absent
      }
      int close = ifNoneMatch.indexOf('"', at + 1);
      if (close < 0) {
        return false;
      }
      if (ifNoneMatch.regionMatches(at, etag, 0, etag.length())
          && close + 1 - at == etag.length()) {
        return true;
      }
      at = close + 1;
    }
    return false;
  }
}
