package io.github.redisproxy.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where the backing Redis is: one server, the seed nodes of a Redis Cluster, the sentinels that
 * know a master, or a server or cluster the proxy starts itself on loopback.
 *
 * <p>Accepted forms, in Lettuce's own URI syntax (user names and passwords percent-encoded, IPv6
 * hosts in brackets):
 *
 * <ul>
 *   <li>{@code host:port}, {@code redis://[user:pass@]host[:port][/db]} and {@code rediss://…}
 *       (TLS): one server, port 6379 by default;
 *   <li>{@code redis-cluster://[user:pass@]host[:port][,host[:port]…]} and {@code
 *       rediss-cluster://…}: seed nodes of a cluster, port 6379 by default; a cluster has only
 *       database 0;
 *   <li>{@code redis-sentinel://[user:pass@]host[:port][,host[:port]…][/db]#master} and {@code
 *       rediss-sentinel://…}: sentinels, port 26379 by default, that know the master named after
 *       {@code #}; the credentials, database and TLS are those of the master and its replicas;
 *   <li>{@code embedded} (any free port) and {@code embedded:port}: a redis-server the proxy
 *       starts;
 *   <li>{@code embedded-cluster}: a 3-master, 3-replica cluster the proxy starts.
 * </ul>
 *
 * @param kind which of those forms
 * @param nodes the server, the cluster's seed nodes or the sentinels, in the order given; {@code
 *     127.0.0.1:0} for {@code embedded} before it starts, none for {@code embedded-cluster} before
 *     it starts
 * @param tls whether the data nodes are reached over TLS
 * @param username the data nodes' user, or null for the default user
 * @param password the data nodes' password, or null for none
 * @param database the database number (always 0 for a cluster)
 * @param sentinelMaster the master's name for {@link Kind#SENTINEL}, otherwise null
 */
public record RedisAddress(
    Kind kind,
    List<Node> nodes,
    boolean tls,
    String username,
    String password,
    int database,
    String sentinelMaster) {

  /** The forms of address, by what the proxy talks to. */
  public enum Kind {
    /** One Redis server the proxy does not manage. */
    STANDALONE,
    /** One redis-server the proxy starts and stops. */
    EMBEDDED,
    /** A 3-master, 3-replica cluster the proxy starts and stops on loopback. */
    EMBEDDED_CLUSTER,
    /** A Redis Cluster, reached through its seed nodes. */
    CLUSTER,
    /** A master (and its replicas) found, and followed across failovers, through sentinels. */
    SENTINEL
  }

  /** One host and port; an IPv6 host is held without brackets and shown with them. */
  public record Node(String host, int port) {
    public Node {
      Objects.requireNonNull(host, "host");
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private static final int REDIS_PORT = 6379;
  private static final int SENTINEL_PORT = 26379;
  private static final String LOOPBACK = "127.0.0.1";

  public RedisAddress {
    Objects.requireNonNull(kind, "kind");
    nodes = List.copyOf(nodes);
  }

  /** The embedded address on a port chosen when the embedded server starts. */
  public static RedisAddress embedded() {
    return embedded(0);
  }

  /** The embedded address on a given loopback port (0: any free port). */
  public static RedisAddress embedded(int port) {
    return new RedisAddress(
        Kind.EMBEDDED, List.of(new Node(LOOPBACK, port)), false, null, null, 0, null);
  }

  /** The embedded cluster, before it starts: its nodes are known only then. */
  public static RedisAddress embeddedCluster() {
    return new RedisAddress(Kind.EMBEDDED_CLUSTER, List.of(), false, null, null, 0, null);
  }

  /** A plain TCP address of one server, without credentials. */
  public static RedisAddress of(String host, int port) {
    return new RedisAddress(
        Kind.STANDALONE, List.of(new Node(host, port)), false, null, null, 0, null);
  }

  /** Whether the proxy starts (and stops) the Redis itself: {@code embedded} or a cluster. */
  public boolean isEmbedded() {
    return kind == Kind.EMBEDDED || kind == Kind.EMBEDDED_CLUSTER;
  }

  /** Whether this is a Redis Cluster, given by its seeds or embedded. */
  public boolean isCluster() {
    return kind == Kind.CLUSTER || kind == Kind.EMBEDDED_CLUSTER;
  }

  /** Whether the master is found through sentinels. */
  public boolean isSentinel() {
    return kind == Kind.SENTINEL;
  }

  /**
   * The first node's host: the server's, or the first seed's or sentinel's.
   *
   * @throws IllegalStateException for an embedded cluster that has not started
   */
  public String host() {
    return first().host();
  }

  /**
   * The first node's port (0 for {@code embedded} before it starts).
   *
   * @throws IllegalStateException for an embedded cluster that has not started
   */
  public int port() {
    return first().port();
  }

  private Node first() {
    if (nodes.isEmpty()) {
      throw new IllegalStateException(this + " has no nodes until it is started");
    }
    return nodes.get(0);
  }

  /** The same address at the host and port of a server that has been started for it. */
  public RedisAddress at(String newHost, int newPort) {
    return withNodes(List.of(new Node(newHost, newPort)));
  }

  /** The same address with other nodes: the seed nodes of an embedded cluster once started. */
  public RedisAddress withNodes(List<Node> newNodes) {
    return new RedisAddress(kind, newNodes, tls, username, password, database, sentinelMaster);
  }

  /**
   * Reads any of the accepted forms.
   *
   * @throws IllegalArgumentException saying briefly what is wrong
   */
  static RedisAddress parse(String raw) {
    String lower = raw.toLowerCase(Locale.ROOT);
    if (lower.equals("embedded")) {
      return embedded();
    }
    if (lower.startsWith("embedded:")) {
      return embedded(port(raw.substring("embedded:".length())));
    }
    if (lower.equals("embedded-cluster")) {
      return embeddedCluster();
    }
    if (lower.startsWith("embedded-cluster:")) {
      throw invalid("embedded-cluster takes no port: its nodes take free ports");
    }
    if (lower.startsWith("redis-cluster://") || lower.startsWith("rediss-cluster://")) {
      return parseCluster(raw);
    }
    if (lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://")) {
      return parseSentinel(raw);
    }
    if (lower.startsWith("redis://") || lower.startsWith("rediss://")) {
      return parseStandaloneUri(raw);
    }
    return parseHostPort(raw);
  }

  /** {@code host:port}; an IPv6 host may be bracketed. */
  private static RedisAddress parseHostPort(String raw) {
    int colon = raw.lastIndexOf(':');
    if (colon <= 0 || raw.contains("/")) {
      throw invalid("not host:port");
    }
    return of(host(raw.substring(0, colon)), port(raw.substring(colon + 1)));
  }

  /** {@code redis[s]://[user:pass@]host[:port][/db]}, which java.net.URI reads. */
  private static RedisAddress parseStandaloneUri(String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
      throw invalid("no host, or a query or fragment");
    }
    int port = uri.getPort() == -1 ? REDIS_PORT : uri.getPort();
    if (port < 1 || port > 65535) {
      throw invalid("port " + port + " is not from 1 to 65535");
    }
    Credentials credentials = Credentials.of(uri.getRawUserInfo());
    String path = uri.getPath();
    int database = path == null || path.isEmpty() ? 0 : database(path.substring(1));
    return new RedisAddress(
        Kind.STANDALONE,
        List.of(new Node(host(uri.getHost()), port)),
        uri.getScheme().equalsIgnoreCase("rediss"),
        credentials.username(),
        credentials.password(),
        database,
        null);
  }

  /** {@code redis[s]-cluster://[user:pass@]host[:port][,host[:port]…]}. */
  private static RedisAddress parseCluster(String raw) {
    MultiHostUri uri = MultiHostUri.split(raw);
    if (uri.fragment() != null) {
      throw invalid("a cluster address has no #fragment");
    }
    if (database(uri.path()) != 0) {
      throw invalid("a cluster has only database 0");
    }
    Credentials credentials = Credentials.of(uri.userInfo());
    return new RedisAddress(
        Kind.CLUSTER,
        nodes(uri.hosts(), REDIS_PORT),
        uri.tls(),
        credentials.username(),
        credentials.password(),
        0,
        null);
  }

  /** {@code redis[s]-sentinel://[user:pass@]host[:port][,host[:port]…][/db]#master}. */
  private static RedisAddress parseSentinel(String raw) {
    MultiHostUri uri = MultiHostUri.split(raw);
    if (uri.fragment() == null || uri.fragment().isBlank()) {
      throw invalid("no master name: end the address with #mastername");
    }
    Credentials credentials = Credentials.of(uri.userInfo());
    return new RedisAddress(
        Kind.SENTINEL,
        nodes(uri.hosts(), SENTINEL_PORT),
        uri.tls(),
        credentials.username(),
        credentials.password(),
        database(uri.path()),
        uri.fragment());
  }

  /**
   * A URI with several hosts, which java.net.URI cannot read: {@code
   * scheme://[userinfo@]hosts[/path][#fragment]}, a query refused.
   */
  private record MultiHostUri(
      boolean tls, String userInfo, String hosts, String path, String fragment) {
    static MultiHostUri split(String raw) {
      String rest = raw.substring(raw.indexOf("://") + 3);
      String fragment = null;
      int hash = rest.indexOf('#');
      if (hash >= 0) {
        fragment = rest.substring(hash + 1);
        rest = rest.substring(0, hash);
      }
      if (rest.contains("?")) {
        throw invalid("query parameters are not supported");
      }
      String path = "";
      int slash = rest.indexOf('/');
      if (slash >= 0) {
        path = rest.substring(slash + 1);
        rest = rest.substring(0, slash);
      }
      int at = rest.lastIndexOf('@');
      String userInfo = at < 0 ? null : rest.substring(0, at);
      boolean tls = raw.regionMatches(true, 0, "rediss-", 0, "rediss-".length());
      return new MultiHostUri(tls, userInfo, rest.substring(at + 1), path, fragment);
    }
  }

  /**
   * The nodes of a comma-separated list, each {@code host[:port]} or {@code [ipv6][:port]}; none
   * may be empty or listed twice.
   */
  private static List<Node> nodes(String hosts, int defaultPort) {
    if (hosts.isBlank()) {
      throw invalid("no nodes");
    }
    List<Node> nodes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String text : hosts.split(",", -1)) {
      Node node = node(text.strip(), defaultPort);
      if (!seen.add(node.toString().toLowerCase(Locale.ROOT))) {
        throw invalid("node " + node + " is listed twice");
      }
      nodes.add(node);
    }
    return nodes;
  }

  private static Node node(String text, int defaultPort) {
    String host = text;
    String port = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 < text.length() && text.charAt(close + 1) != ':') {
        throw invalid("bad IPv6 node \"" + text + "\", expected [address]:port");
      }
      host = text.substring(1, close);
      port = close + 1 < text.length() ? text.substring(close + 2) : null;
    } else if (text.indexOf(':') != text.lastIndexOf(':')) {
      throw invalid("IPv6 node \"" + text + "\" needs brackets: [address]:port");
    } else if (text.contains(":")) {
      host = text.substring(0, text.indexOf(':'));
      port = text.substring(text.indexOf(':') + 1);
    }
    if (host.isBlank()) {
      throw invalid(text.isEmpty() ? "empty node in the list" : "no host in \"" + text + "\"");
    }
    return new Node(host, port == null ? defaultPort : port(port));
  }

  /** User name and password from URI user info; {@code secret@} alone is a password. */
  private record Credentials(String username, String password) {
    static Credentials of(String rawUserInfo) {
      if (rawUserInfo == null) {
        return new Credentials(null, null);
      }
      int colon = rawUserInfo.indexOf(':');
      if (colon < 0) {
        return new Credentials(null, decode(rawUserInfo));
      }
      String user = decode(rawUserInfo.substring(0, colon));
      return new Credentials(
          user.isEmpty() ? null : user, decode(rawUserInfo.substring(colon + 1)));
    }
  }

  private static String host(String host) {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (bare.isBlank()) {
      throw invalid("empty host");
    }
    return bare;
  }

  private static int port(String text) {
    int port;
    try {
      port = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw invalid("port \"" + text + "\" is not a number");
    }
    if (port < 1 || port > 65535) {
      throw invalid("port " + port + " is not from 1 to 65535");
    }
    return port;
  }

  /** A database number from a URI path without its leading slash; empty is 0. */
  private static int database(String text) {
    if (text.isEmpty()) {
      return 0;
    }
    try {
      int database = Integer.parseInt(text);
      if (database >= 0) {
        return database;
      }
    } catch (NumberFormatException e) {
      // the same answer as a negative number, below
    }
    throw invalid("database \"" + text + "\" is not a whole number from 0");
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static InvalidValueException invalid(String reason) {
    return new InvalidValueException(reason);
  }

  /**
   * The address as it may be logged, in the form it was given: the password, if any, is replaced by
   * {@code ****}; an embedded server or cluster shows its nodes once started.
   */
  @Override
  public String toString() {
    return switch (kind) {
      case EMBEDDED -> port() == 0 ? "embedded" : uri() + " (embedded)";
      case EMBEDDED_CLUSTER -> nodes.isEmpty() ? "embedded-cluster" : uri() + " (embedded)";
      case STANDALONE, CLUSTER -> uri();
      case SENTINEL -> uri() + "#" + sentinelMaster;
    };
  }

  private String uri() {
    StringBuilder text = new StringBuilder(tls ? "rediss" : "redis");
    if (isCluster()) {
      text.append("-cluster");
    } else if (isSentinel()) {
      text.append("-sentinel");
    }
    text.append("://");
    if (username != null || password != null) {
      text.append(username == null ? "" : username)
          .append(password == null ? "" : ":****")
          .append('@');
    }
    text.append(nodes.stream().map(Node::toString).collect(Collectors.joining(",")));
    if (database != 0) {
      text.append('/').append(database);
    }
    return text.toString();
  }
}
