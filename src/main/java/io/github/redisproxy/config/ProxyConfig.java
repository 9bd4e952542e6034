package io.github.redisproxy.config;

/**
 * The whole effective configuration; each component is handed only its own part.
 *
 * @param backend how to reach Redis
 * @param cache the local cache's bounds
 * @param server the HTTP front end and concurrency gate
 * @param resp the Redis-protocol front end
 * @param management the management port
 * @param tls TLS on every port, or {@link TlsConfig#OFF}
 * @param access who may read and purge, or {@link AccessConfig#OPEN}
 * @param tracing where spans are exported, or {@link TracingConfig#OFF}
 * @param logLevel the level for the proxy's own loggers
 * @param logFormat {@code text} or {@code json}
 */
public record ProxyConfig(
    BackendConfig backend,
    CacheConfig cache,
    ServerConfig server,
    RespConfig resp,
    ManagementConfig management,
    TlsConfig tls,
    AccessConfig access,
    TracingConfig tracing,
    String logLevel,
    String logFormat) {

  /** One line for the start-up log; the Redis password is masked. */
  public String describe() {
    return String.format(
        "REDIS_ADDRESS=%s%s CACHE_CAPACITY=%d GLOBAL_CACHE_EXPIRY=%ss CACHE_POLICY=%s CACHE_INVALIDATION=%s"
            + " PROXY_PORT=%d RESP_PORT=%d"
            + " MANAGEMENT_PORT=%d BIND_ADDRESS=%s%s"
            + " MAX_CONCURRENCY=%d MAX_QUEUED_REQUESTS=%d EVENT_LOOPS=%s REDIS_TIMEOUT=%ss SHUTDOWN_TIMEOUT=%ss"
            + " RESP_MAX_BULK_LENGTH=%d RESP_MAX_ARRAY_LENGTH=%d%s ACCESS_LOG=%s LOG_LEVEL=%s"
            + " LOG_FORMAT=%s",
        backend.address(),
        scaleOutSettings(),
        cache.capacity(),
        seconds(cache.expiry()),
        cache.policy().configName(),
        backend.invalidation().configName(),
        server.port(),
        resp.port(),
        management.port(),
        server.bindAddress(),
        tlsSettings(),
        server.maxConcurrency(),
        server.maxQueued(),
        server.eventLoops() == ServerConfig.DEFAULT_EVENT_LOOPS
            ? "auto"
            : Integer.toString(server.eventLoops()),
        seconds(backend.timeout()),
        seconds(server.shutdownTimeout()),
        resp.maxBulkLength(),
        resp.maxArrayLength(),
        tracingSettings(),
        server.accessLog(),
        logLevel,
        logFormat);
  }

  /**
   * The collector's scheme, host and port: a user name and password in the URL, or a token in its
   * path or query, stay out of the log.
   */
  private String tracingSettings() {
    return tracing
        .otlpEndpoint()
        .map(
            uri ->
                " OTEL_EXPORTER_OTLP_ENDPOINT="
                    + uri.getScheme()
                    + "://"
                    + uri.getHost()
                    + (uri.getPort() == -1 ? "" : ":" + uri.getPort()))
        .orElse("");
  }

  /** READ_FROM and CLUSTER_REFRESH_PERIOD, which mean something only for a cluster or sentinels. */
  private String scaleOutSettings() {
    if (!backend.address().isCluster() && !backend.address().isSentinel()) {
      return "";
    }
    return " READ_FROM="
        + backend.readFrom().configName()
        + " CLUSTER_REFRESH_PERIOD="
        + seconds(backend.clusterRefreshPeriod())
        + "s";
  }

  /** The files' paths (never their contents), and whether MANAGEMENT_TOKEN is set (never it). */
  private String tlsSettings() {
    String accessSettings =
        access.tokensFile().map(file -> " AUTH_TOKENS_FILE=" + file).orElse("")
            + (access.managementToken().isPresent() ? " MANAGEMENT_TOKEN=(set)" : "");
    if (!tls.enabled()) {
      return accessSettings;
    }
    return accessSettings
        + " TLS_CERT_FILE="
        + tls.certificateFile().orElseThrow()
        + " TLS_KEY_FILE="
        + tls.keyFile().orElseThrow()
        + tls.clientCaFile().map(ca -> " TLS_CLIENT_CA_FILE=" + ca).orElse("");
  }

  private static String seconds(java.time.Duration duration) {
    return java.math.BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
  }
}
