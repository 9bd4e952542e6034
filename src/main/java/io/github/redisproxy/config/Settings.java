package io.github.redisproxy.config;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every setting the proxy reads, described once: {@code --help}, validation, {@code .env.example}
 * and the README table all follow this list (ConfigDocsTest fails when one of them differs).
 */
public final class Settings {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%\\-\\[\\]]+");

  public static final Setting<RedisAddress> REDIS_ADDRESS =
      new Setting<>(
          "REDIS_ADDRESS",
          "localhost:6379",
          "the backing Redis: one server, a cluster's seed nodes or a master's sentinels; 'embedded' starts a"
              + " bundled real redis-server on a free loopback port, 'embedded-cluster' a 3-master, 3-replica"
              + " cluster",
          "host:port, redis[s]://[user:pass@]host:port[/db],"
              + " redis[s]-cluster://[user:pass@]host:port[,host:port...],"
              + " redis[s]-sentinel://[user:pass@]host:port[,host:port...][/db]#master,"
              + " embedded, embedded:port or embedded-cluster",
          RedisAddress::parse);
  public static final Setting<Integer> CACHE_CAPACITY =
      new Setting<>(
          "CACHE_CAPACITY",
          "10000",
          "maximum number of keys in the local cache",
          "a whole number from 1 to 2147483647",
          raw -> intAtLeast(raw, 1));
  public static final Setting<Duration> GLOBAL_CACHE_EXPIRY =
      new Setting<>(
          "GLOBAL_CACHE_EXPIRY",
          "60",
          "seconds an entry lives after it was loaded (decimals allowed)",
          "a number of seconds greater than 0, e.g. 60 or 0.5",
          Settings::positiveSeconds);
  public static final Setting<Long> CACHE_MAX_BYTES =
      new Setting<>(
          "CACHE_MAX_BYTES",
          "auto",
          "most bytes the cached keys and values may add up to (stale values included); auto = a quarter of the JVM's max heap",
          "auto, or a number of bytes greater than 0 with an optional k, m or g suffix, e.g. 268435456 or 256m",
          raw -> raw.equalsIgnoreCase("auto") ? Runtime.getRuntime().maxMemory() / 4 : bytes(raw));
  public static final Setting<Long> CACHE_MAX_VALUE_BYTES =
      new Setting<>(
          "CACHE_MAX_VALUE_BYTES",
          "8m",
          "longer values are answered but not cached (X-Cache: BYPASS)",
          "a number of bytes greater than 0 with an optional k, m or g suffix, e.g. 1048576 or 8m",
          Settings::bytes);
  public static final Setting<Duration> STALE_IF_ERROR =
      new Setting<>(
          "STALE_IF_ERROR",
          "0",
          "seconds after an entry expired (or was dropped because the tracking connection was lost) during which it still answers, X-Cache: STALE, while Redis is unreachable or times out; 0 = off",
          "0 (off) or a number of seconds greater than 0, e.g. 30",
          raw -> isZero(raw) ? Duration.ZERO : positiveSeconds(raw));
  public static final Setting<Double> CACHE_REFRESH_AHEAD =
      new Setting<>(
          "CACHE_REFRESH_AHEAD",
          "0",
          "fraction of an entry's lifetime after which a hit also reloads it in the background, so a hot key never misses at expiry; 0 = off",
          "0 (off) or a fraction greater than 0 and less than 1, e.g. 0.8",
          Settings::refreshFraction);
  public static final Setting<InvalidationMode> CACHE_INVALIDATION =
      new Setting<>(
          "CACHE_INVALIDATION",
          "tracking",
          "tracking: Redis reports changed keys (CLIENT TRACKING) and the proxy drops them at once; none: expiry only",
          "tracking or none",
          InvalidationMode::parse);
  public static final Setting<Integer> HTTP2_MAX_STREAMS =
      new Setting<>(
          "HTTP2_MAX_STREAMS",
          "1000",
          "HTTP/2 (h2c) streams one connection may have open at once",
          "a whole number from 1 to 2147483647",
          raw -> intAtLeast(raw, 1));
  public static final Setting<Integer> MAX_CONNECTIONS =
      new Setting<>(
          "MAX_CONNECTIONS",
          "10000",
          "client connections each of the HTTP and RESP ports accepts at once; more are closed at once (and counted)",
          "a whole number from 1 to 2147483647",
          raw -> intAtLeast(raw, 1));
  public static final Setting<Duration> IDLE_TIMEOUT =
      new Setting<>(
          "IDLE_TIMEOUT",
          "60",
          "seconds a client connection (HTTP or RESP) may stay silent before the proxy closes it; 0 = never",
          "0 (never) or a number of seconds greater than 0, e.g. 60",
          raw -> isZero(raw) ? Duration.ZERO : positiveSeconds(raw));
  public static final Setting<Duration> REQUEST_HEADER_TIMEOUT =
      new Setting<>(
          "REQUEST_HEADER_TIMEOUT",
          "10",
          "seconds an HTTP request's headers may take from its first byte before the proxy closes the connection"
              + " (slow clients, slowloris); 0 = no limit",
          "0 (no limit) or a number of seconds greater than 0, e.g. 10",
          raw -> isZero(raw) ? Duration.ZERO : positiveSeconds(raw));
  public static final Setting<Integer> RESP_PORT =
      new Setting<>(
          "RESP_PORT",
          "0",
          "Redis-protocol (RESP) port for existing Redis clients; 0 = off",
          "0 (off) or a port number from 1 to 65535",
          raw -> raw.equals("0") ? 0 : port(raw));
  public static final Setting<Integer> RESP_MAX_BULK_LENGTH =
      new Setting<>(
          "RESP_MAX_BULK_LENGTH",
          "536870912",
          "longest bulk string a RESP client may send, in bytes; longer gets an error and the connection is closed",
          "a whole number from 1 to 536870912",
          raw -> intBetween(raw, 1, 512 * 1024 * 1024));
  public static final Setting<Integer> RESP_MAX_ARRAY_LENGTH =
      new Setting<>(
          "RESP_MAX_ARRAY_LENGTH",
          "1048576",
          "most elements in one RESP command; more gets an error and the connection is closed",
          "a whole number from 1 to 2147483647",
          raw -> intAtLeast(raw, 1));
  public static final Setting<Long> RESP_MAX_PENDING_REPLY_BYTES =
      new Setting<>(
          "RESP_MAX_PENDING_REPLY_BYTES",
          "32m",
          "reply bytes that may wait for a RESP client to read them; beyond, the client is disconnected (as Redis'"
              + " client-output-buffer-limit); 0 = no limit",
          "0 (no limit) or a number of bytes greater than 0 with an optional k, m or g suffix, e.g. 33554432 or 32m",
          raw -> raw.equals("0") ? 0L : bytes(raw));
  public static final Setting<Integer> PROXY_PORT =
      new Setting<>(
          "PROXY_PORT", "8080", "HTTP port", "a port number from 1 to 65535", Settings::port);
  public static final Setting<Integer> MANAGEMENT_PORT =
      new Setting<>(
          "MANAGEMENT_PORT",
          "8081",
          "management port: /health, /health/live, /metrics (Prometheus), /cache/stats and purges; 0 = off",
          "0 (off) or a port number from 1 to 65535",
          raw -> raw.equals("0") ? 0 : port(raw));
  public static final Setting<Optional<URI>> OTEL_EXPORTER_OTLP_ENDPOINT =
      new Setting<>(
          "OTEL_EXPORTER_OTLP_ENDPOINT",
          "",
          "export a trace span per HTTP request over OTLP/HTTP to this collector; unset = off",
          "empty or an http(s) URL, e.g. http://127.0.0.1:4318",
          Settings::otlpEndpoint);
  public static final Setting<Boolean> ACCESS_LOG =
      new Setting<>(
          "ACCESS_LOG",
          "false",
          "log one line per HTTP request on the proxy port (combined log format, X-Cache and milliseconds added)",
          "true or false",
          Settings::bool);
  public static final Setting<String> BIND_ADDRESS =
      new Setting<>(
          "BIND_ADDRESS",
          "0.0.0.0",
          "interface to listen on",
          "an IP address or host name, e.g. 0.0.0.0 or 127.0.0.1",
          Settings::host);
  public static final Setting<Optional<Path>> AUTH_TOKENS_FILE =
      new Setting<>(
          "AUTH_TOKENS_FILE",
          "",
          "clients that may read, one per line: 'name sha256:HEX key-prefix[,key-prefix...]' (HEX: the SHA-256 of the token) (* = every key);"
              + " HTTP takes 'Authorization: Bearer <token>', RESP 'AUTH'; re-read when the file changes; unset = anyone"
              + " may read every key",
          "empty (access control off) or the path of a readable file",
          Settings::readableFile);
  public static final Setting<Optional<String>> MANAGEMENT_TOKEN =
      new Setting<>(
          "MANAGEMENT_TOKEN",
          "",
          "token the management port's purges require (Authorization: Bearer TOKEN); unset = purges are open",
          "empty (purges open) or 16 to 256 printable ASCII characters without spaces",
          Settings::secretToken,
          true);
  public static final Setting<Optional<Path>> TLS_CERT_FILE =
      new Setting<>(
          "TLS_CERT_FILE",
          "",
          "PEM certificate (its chain may follow) for TLS on every port: HTTP (with h2 by ALPN), RESP and management;"
              + " set together with TLS_KEY_FILE; re-read when the file changes",
          "empty (TLS off) or the path of a readable PEM file",
          Settings::readableFile);
  public static final Setting<Optional<Path>> TLS_KEY_FILE =
      new Setting<>(
          "TLS_KEY_FILE",
          "",
          "PEM private key (PKCS#8 or PKCS#1, unencrypted) of TLS_CERT_FILE; re-read when the file changes",
          "empty (TLS off) or the path of a readable PEM file",
          Settings::readableFile);
  public static final Setting<Optional<Path>> TLS_CLIENT_CA_FILE =
      new Setting<>(
          "TLS_CLIENT_CA_FILE",
          "",
          "PEM certificates of the authorities that sign client certificates; when set, every client must show"
              + " one (mutual TLS); re-read when the file changes",
          "empty (no client certificates) or the path of a readable PEM file",
          Settings::readableFile);
  public static final Setting<Integer> MAX_CONCURRENCY =
      new Setting<>(
          "MAX_CONCURRENCY",
          "256",
          "requests processed in parallel; 1 = strictly sequential",
          "a whole number from 1 to 2147483647",
          raw -> intAtLeast(raw, 1));
  public static final Setting<Integer> EVENT_LOOPS =
      new Setting<>(
          "EVENT_LOOPS",
          "auto",
          "event-loop threads shared by every port; auto = Reactor Netty's default (the number of cores, at least 4)."
              + " On a machine the proxy shares with its clients, fewer (e.g. 1 on 2 cores) is often faster",
          "auto or a whole number from 1 to 1024",
          raw -> raw.equalsIgnoreCase("auto") ? 0 : intBetween(raw, 1, 1024));
  public static final Setting<Integer> MAX_QUEUED_REQUESTS =
      new Setting<>(
          "MAX_QUEUED_REQUESTS",
          "1024",
          "requests that may wait for a free slot; beyond that, 503 with Retry-After",
          "a whole number from 0 to 2147483647",
          raw -> intAtLeast(raw, 0));
  public static final Setting<Duration> REDIS_TIMEOUT =
      new Setting<>(
          "REDIS_TIMEOUT",
          "1",
          "seconds before a backend call fails (also the longest wait in the queue)",
          "a number of seconds greater than 0, e.g. 1 or 0.25",
          Settings::positiveSeconds);
  public static final Setting<ReadFrom> READ_FROM =
      new Setting<>(
          "READ_FROM",
          "master",
          "for cluster and sentinel addresses, which nodes serve the proxy's reads (Lettuce's ReadFrom)",
          "master, replica, replicaPreferred, nearest or any",
          ReadFrom::parse);
  public static final Setting<Duration> CLUSTER_REFRESH_PERIOD =
      new Setting<>(
          "CLUSTER_REFRESH_PERIOD",
          "30",
          "seconds between periodic topology refreshes of a cluster (and reconciliations of a sentinel's"
              + " master), besides those that redirects and reconnects trigger (decimals allowed)",
          "a number of seconds greater than 0, e.g. 30 or 0.5",
          Settings::positiveSeconds);
  public static final Setting<CachePolicy> CACHE_POLICY =
      new Setting<>(
          "CACHE_POLICY",
          "lru",
          "eviction policy: lru (exact least-recently-used) or tinylfu (Caffeine's own)",
          "lru or tinylfu",
          CachePolicy::parse);
  public static final Setting<Duration> SHUTDOWN_TIMEOUT =
      new Setting<>(
          "SHUTDOWN_TIMEOUT",
          "10",
          "seconds SIGTERM waits for requests in flight before exiting",
          "a number of seconds greater than 0",
          Settings::positiveSeconds);
  public static final Setting<String> LOG_LEVEL =
      new Setting<>(
          "LOG_LEVEL",
          "info",
          "level of the proxy's own log lines: error, warn, info, debug or trace",
          "error, warn, info, debug or trace",
          Settings::logLevel);
  public static final Setting<String> LOG_FORMAT =
      new Setting<>(
          "LOG_FORMAT",
          "text",
          "log format; json = one object per line",
          "text or json",
          Settings::logFormat);

  /** All settings, in the order {@code --help} lists them. */
  public static final List<Setting<?>> ALL =
      List.of(
          REDIS_ADDRESS,
          CACHE_CAPACITY,
          GLOBAL_CACHE_EXPIRY,
          CACHE_POLICY,
          CACHE_INVALIDATION,
          CACHE_MAX_BYTES,
          CACHE_MAX_VALUE_BYTES,
          STALE_IF_ERROR,
          CACHE_REFRESH_AHEAD,
          PROXY_PORT,
          HTTP2_MAX_STREAMS,
          MAX_CONNECTIONS,
          IDLE_TIMEOUT,
          REQUEST_HEADER_TIMEOUT,
          RESP_PORT,
          MANAGEMENT_PORT,
          BIND_ADDRESS,
          AUTH_TOKENS_FILE,
          MANAGEMENT_TOKEN,
          TLS_CERT_FILE,
          TLS_KEY_FILE,
          TLS_CLIENT_CA_FILE,
          MAX_CONCURRENCY,
          MAX_QUEUED_REQUESTS,
          EVENT_LOOPS,
          REDIS_TIMEOUT,
          READ_FROM,
          CLUSTER_REFRESH_PERIOD,
          SHUTDOWN_TIMEOUT,
          RESP_MAX_BULK_LENGTH,
          RESP_MAX_ARRAY_LENGTH,
          RESP_MAX_PENDING_REPLY_BYTES,
          OTEL_EXPORTER_OTLP_ENDPOINT,
          ACCESS_LOG,
          LOG_LEVEL,
          LOG_FORMAT);

  private Settings() {}

  /** The text {@code --help} prints. */
  public static String help() {
    StringBuilder text =
        new StringBuilder(
            "Usage: java -jar redis-proxy.jar [--setting=value ...]\n\n"
                + "Each setting is read from the environment (also from ./.env); a --flag wins over both.\n\n");
    for (Setting<?> setting : ALL) {
      text.append(
          String.format(
              "  %-22s %-24s default %s%n",
              setting.name(), setting.flag(), setting.defaultValue()));
      text.append(
          String.format("      %s%n      accepts %s%n", setting.meaning(), setting.expected()));
    }
    return text.toString();
  }

  private static int intAtLeast(String raw, int min) {
    int value = Integer.parseInt(raw);
    if (value < min) {
      throw new IllegalArgumentException("too small");
    }
    return value;
  }

  private static int intBetween(String raw, int min, int max) {
    int value = Integer.parseInt(raw);
    if (value < min || value > max) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static int port(String raw) {
    int value = Integer.parseInt(raw);
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static Duration positiveSeconds(String raw) {
    BigDecimal seconds = new BigDecimal(raw);
    if (seconds.signum() <= 0
        || seconds.compareTo(BigDecimal.valueOf(365L * 24 * 3600 * 100)) > 0) {
      throw new IllegalArgumentException("out of range");
    }
    long nanos = seconds.movePointRight(9).longValue();
    if (nanos <= 0) {
      throw new IllegalArgumentException("below one nanosecond");
    }
    return Duration.ofNanos(nanos);
  }

  private static boolean isZero(String raw) {
    return new BigDecimal(raw).signum() == 0;
  }

  /** Bytes, with an optional binary k, m or g suffix. */
  private static long bytes(String raw) {
    String lower = raw.toLowerCase(Locale.ROOT);
    long unit = 1;
    if (lower.endsWith("k") || lower.endsWith("m") || lower.endsWith("g")) {
      unit =
          switch (lower.charAt(lower.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            default -> 1L << 30;
          };
      lower = lower.substring(0, lower.length() - 1);
    }
    long value;
    try {
      value = Math.multiplyExact(Long.parseLong(lower), unit);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("too large", e);
    }
    if (value <= 0) {
      throw new IllegalArgumentException("too small");
    }
    return value;
  }

  private static double refreshFraction(String raw) {
    double value = Double.parseDouble(raw);
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException("out of range");
    }
    return value;
  }

  private static String host(String raw) {
    if (!HOST.matcher(raw).matches()) {
      throw new IllegalArgumentException("not a host");
    }
    return raw;
  }

  /** An OTLP/HTTP base URL: http or https, a host, no query or fragment. */
  private static Optional<URI> otlpEndpoint(String raw) {
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new InvalidValueException("not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new InvalidValueException("not an http or https URL with a host");
    }
    return Optional.of(uri);
  }

  /** A file the proxy can read now; it is read again (and may change) while the proxy runs. */
  private static Optional<Path> readableFile(String raw) {
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    Path path = Path.of(raw);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new InvalidValueException("no readable file there");
    }
    return Optional.of(path);
  }

  private static Optional<String> secretToken(String raw) {
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    if (raw.length() < 16
        || raw.length() > 256
        || !raw.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new InvalidValueException(
          "too short, too long, or with a space or a non-ASCII character");
    }
    return Optional.of(raw);
  }

  private static boolean bool(String raw) {
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  private static String logLevel(String raw) {
    String level = raw.toLowerCase(Locale.ROOT);
    if (!List.of("error", "warn", "info", "debug", "trace").contains(level)) {
      throw new IllegalArgumentException("unknown level");
    }
    return level;
  }

  private static String logFormat(String raw) {
    String format = raw.toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("unknown format");
    }
    return format;
  }
}
