package io.github.redisproxy.access;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The token of an {@code Authorization: Bearer <token>} header (RFC 6750: a token68). */
public final class BearerToken {
  private static final Pattern BEARER = Pattern.compile("(?i)bearer +([A-Za-z0-9\\-._~+/]+=*) *");

  private BearerToken() {}

  /** The token's bytes, or {@code null} when the header is absent or not a Bearer token. */
  public static byte[] from(String authorization) {
    if (authorization == null) {
      return null;
    }
    Matcher bearer = BEARER.matcher(authorization);
    return bearer.matches() ? bearer.group(1).getBytes(StandardCharsets.US_ASCII) : null;
  }
}
