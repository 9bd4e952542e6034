package io.github.redisproxy.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the backing Redis is: a host and port (optionally TLS, credentials and a database number),
 * or {@link #embedded()}, meaning the proxy starts a real redis-server of its own on a free
 * loopback port.
 *
 * <p>Accepted forms: {@code host:port}, {@code redis://[user:pass@]host[:port][/db]}, {@code
 * rediss://…} for TLS, {@code embedded} (any free port) and {@code embedded:port}.
 */
public record RedisAddress(
    boolean isEmbedded,
    String host,
    int port,
    boolean tls,
    String username,
    String password,
    int database) {

  private static final int DEFAULT_PORT = 6379;

  /** The embedded address on a port chosen when the embedded server starts. */
  public static RedisAddress embedded() {
    return embedded(0);
  }

  /** The embedded address on a given loopback port (0: any free port). */
  public static RedisAddress embedded(int port) {
    return new RedisAddress(true, "127.0.0.1", port, false, null, null, 0);
  }

  /** A plain TCP address without credentials. */
  public static RedisAddress of(String host, int port) {
    return new RedisAddress(false, host, port, false, null, null, 0);
  }

  /** The same address with the host and port of a server that has been started for it. */
  public RedisAddress at(String newHost, int newPort) {
    return new RedisAddress(isEmbedded, newHost, newPort, tls, username, password, database);
  }

  static RedisAddress parse(String raw) {
    if (raw.equalsIgnoreCase("embedded")) {
      return embedded();
    }
    if (raw.toLowerCase(java.util.Locale.ROOT).startsWith("embedded:")) {
      return embedded(port(raw.substring("embedded:".length())));
    }
    if (raw.startsWith("redis://") || raw.startsWith("rediss://")) {
      return parseUri(raw);
    }
    int colon = raw.lastIndexOf(':');
    if (colon <= 0 || raw.contains("/")) {
      throw new IllegalArgumentException("not host:port");
    }
    return of(host(raw.substring(0, colon)), port(raw.substring(colon + 1)));
  }

  private static RedisAddress parseUri(String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("no host, or a query or fragment");
    }
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range");
    }
    String username = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? "" : decode(userInfo.substring(0, colon));
      username = user.isEmpty() ? null : user;
      password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
    }
    int database = 0;
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      database = Integer.parseInt(path.substring(1));
      if (database < 0) {
        throw new IllegalArgumentException("negative database");
      }
    }
    return new RedisAddress(
        false,
        host(uri.getHost()),
        port,
        raw.startsWith("rediss://"),
        username,
        password,
        database);
  }

  private static String host(String host) {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (bare.isBlank()) {
      throw new IllegalArgumentException("empty host");
    }
    return bare;
  }

  private static int port(String text) {
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range");
    }
    return port;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  /** The address as it may be logged: the password, if any, is replaced by {@code ****}. */
  @Override
  public String toString() {
    if (isEmbedded && port == 0) {
      return "embedded";
    }
    StringBuilder text = new StringBuilder(tls ? "rediss://" : "redis://");
    if (username != null || password != null) {
      text.append(username == null ? "" : username)
          .append(password == null ? "" : ":****")
          .append('@');
    }
    text.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port);
    if (database != 0) {
      text.append('/').append(database);
    }
    return isEmbedded ? text + " (embedded)" : text.toString();
  }
}
