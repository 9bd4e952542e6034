package io.github.redisproxy.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the configuration once, at the edge: defaults, then a {@code .env} file, then the
 * environment, then {@code --kebab-case=value} flags, each overriding the one before.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * Builds the effective configuration.
   *
   * @param args command-line arguments ({@code --help} is handled by the caller)
   * @param environment the process environment
   * @param dotEnv the {@code .env} file; ignored when it does not exist
   * @throws ConfigException naming the first setting whose value cannot be used, or an unknown flag
   */
  public static ProxyConfig load(List<String> args, Map<String, String> environment, Path dotEnv) {
    Map<String, String> raw = new HashMap<>();
    for (Setting<?> setting : Settings.ALL) {
      raw.put(setting.name(), setting.defaultValue());
    }
    overlay(raw, readDotEnv(dotEnv));
    overlay(raw, environment);
    overlay(raw, flags(args));

    CachePolicy policy = Settings.CACHE_POLICY.parse(raw.get(Settings.CACHE_POLICY.name()));
    requireDistinctPorts(raw);
    RedisAddress address = value(Settings.REDIS_ADDRESS, raw);
    ReadFrom readFrom = value(Settings.READ_FROM, raw);
    requireReplicasFor(readFrom, address);
    return new ProxyConfig(
        new BackendConfig(
            address,
            value(Settings.REDIS_TIMEOUT, raw),
            value(Settings.CACHE_INVALIDATION, raw),
            readFrom,
            value(Settings.CLUSTER_REFRESH_PERIOD, raw)),
        new CacheConfig(
            value(Settings.CACHE_CAPACITY, raw),
            value(Settings.GLOBAL_CACHE_EXPIRY, raw),
            policy,
            value(Settings.CACHE_MAX_BYTES, raw),
            value(Settings.CACHE_MAX_VALUE_BYTES, raw),
            value(Settings.STALE_IF_ERROR, raw),
            value(Settings.CACHE_REFRESH_AHEAD, raw)),
        new ServerConfig(
            value(Settings.BIND_ADDRESS, raw),
            value(Settings.PROXY_PORT, raw),
            value(Settings.MAX_CONCURRENCY, raw),
            value(Settings.MAX_QUEUED_REQUESTS, raw),
            value(Settings.REDIS_TIMEOUT, raw),
            value(Settings.SHUTDOWN_TIMEOUT, raw),
            value(Settings.ACCESS_LOG, raw),
            value(Settings.EVENT_LOOPS, raw),
            value(Settings.HTTP2_MAX_STREAMS, raw),
            value(Settings.MAX_CONNECTIONS, raw),
            value(Settings.IDLE_TIMEOUT, raw),
            value(Settings.REQUEST_HEADER_TIMEOUT, raw)),
        new RespConfig(
            value(Settings.RESP_PORT, raw),
            value(Settings.RESP_MAX_BULK_LENGTH, raw),
            value(Settings.RESP_MAX_ARRAY_LENGTH, raw),
            value(Settings.RESP_MAX_PENDING_REPLY_BYTES, raw)),
        new ManagementConfig(value(Settings.MANAGEMENT_PORT, raw)),
        tls(raw),
        new AccessConfig(
            value(Settings.AUTH_TOKENS_FILE, raw), value(Settings.MANAGEMENT_TOKEN, raw)),
        new TracingConfig(value(Settings.OTEL_EXPORTER_OTLP_ENDPOINT, raw)),
        value(Settings.LOG_LEVEL, raw),
        value(Settings.LOG_FORMAT, raw));
  }

  /**
   * Two ports of the proxy cannot be the same one; saying so here beats a bind error at start-up.
   */
  private static void requireDistinctPorts(Map<String, String> raw) {
    List<Setting<Integer>> ports =
        List.of(Settings.PROXY_PORT, Settings.RESP_PORT, Settings.MANAGEMENT_PORT);
    for (int i = 0; i < ports.size(); i++) {
      for (int j = i + 1; j < ports.size(); j++) {
        int first = value(ports.get(i), raw);
        int second = value(ports.get(j), raw);
        if (first != 0 && first == second) {
          throw new ConfigException(
              ports.get(j).name()
                  + ": "
                  + second
                  + " is already "
                  + ports.get(i).name()
                  + "; expected another port");
        }
      }
    }
  }

  /**
   * Only a cluster or a sentinel-managed set has replicas to read from; accepting READ_FROM=replica
   * for one server would quietly read from its master.
   */
  private static void requireReplicasFor(ReadFrom readFrom, RedisAddress address) {
    if (readFrom != ReadFrom.MASTER && !address.isCluster() && !address.isSentinel()) {
      throw new ConfigException(
          Settings.READ_FROM.name()
              + "="
              + readFrom.configName()
              + " needs a redis-cluster://, redis-sentinel:// or embedded-cluster address; "
              + Settings.REDIS_ADDRESS.name()
              + " is "
              + address);
    }
  }

  /**
   * A certificate without its key (or the reverse) cannot serve TLS, and client certificates can
   * only be asked for over TLS: each half-configuration is refused rather than run in clear text.
   */
  private static TlsConfig tls(Map<String, String> raw) {
    TlsConfig tls =
        new TlsConfig(
            value(Settings.TLS_CERT_FILE, raw),
            value(Settings.TLS_KEY_FILE, raw),
            value(Settings.TLS_CLIENT_CA_FILE, raw));
    if (tls.certificateFile().isPresent() != tls.keyFile().isPresent()) {
      Setting<?> missing =
          tls.certificateFile().isPresent() ? Settings.TLS_KEY_FILE : Settings.TLS_CERT_FILE;
      throw new ConfigException(
          missing.name()
              + ": expected a PEM file, because TLS needs both TLS_CERT_FILE and TLS_KEY_FILE");
    }
    if (tls.mutual() && !tls.enabled()) {
      throw new ConfigException(
          Settings.TLS_CLIENT_CA_FILE.name()
              + " needs TLS: set TLS_CERT_FILE and TLS_KEY_FILE as well");
    }
    return tls;
  }

  private static <T> T value(Setting<T> setting, Map<String, String> raw) {
    return setting.parse(raw.get(setting.name()));
  }

  /**
   * Only known setting names are taken from a source; the environment holds many unrelated
   * variables.
   */
  private static void overlay(Map<String, String> raw, Map<String, String> source) {
    for (Setting<?> setting : Settings.ALL) {
      String value = source.get(setting.name());
      if (value != null) {
        raw.put(setting.name(), value);
      }
    }
  }

  private static Map<String, String> flags(List<String> args) {
    Map<String, String> byName = new HashMap<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      String flag = equals < 0 ? arg : arg.substring(0, equals);
      Setting<?> setting =
          Settings.ALL.stream()
              .filter(candidate -> candidate.flag().equals(flag))
              .findFirst()
              .orElseThrow(
                  () -> new ConfigException("unknown argument \"" + arg + "\"; see --help"));
      if (equals < 0) {
        throw new ConfigException(
            setting.name() + ": expected " + flag + "=<" + setting.expected() + ">");
      }
      byName.put(setting.name(), arg.substring(equals + 1));
    }
    return byName;
  }

  /**
   * Reads {@code NAME=value} lines; blank lines and {@code #} comments are skipped, an {@code
   * export } prefix and matching surrounding quotes are removed.
   */
  static Map<String, String> readDotEnv(Path file) {
    Map<String, String> values = new HashMap<>();
    if (!Files.isRegularFile(file)) {
      return values;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int number = 0;
    for (String line : lines) {
      number++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      if (text.startsWith("export ")) {
        text = text.substring("export ".length()).strip();
      }
      int equals = text.indexOf('=');
      if (equals <= 0) {
        throw new ConfigException(file + " line " + number + ": expected NAME=value");
      }
      values.put(text.substring(0, equals).strip(), unquote(text.substring(equals + 1).strip()));
    }
    return values;
  }

  private static String unquote(String value) {
    if (value.length() >= 2
        && (value.startsWith("\"") && value.endsWith("\"")
            || value.startsWith("'") && value.endsWith("'"))) {
      return value.substring(1, value.length() - 1);
    }
    int comment = value.indexOf(" #");
    return comment < 0 ? value : value.substring(0, comment).strip();
  }
}
