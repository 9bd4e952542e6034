package io.github.redisproxy.app;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.access.ManagementToken;
import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.backend.Backends;
import io.github.redisproxy.backend.embedded.RedisClusterProcess;
import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.github.redisproxy.config.BackendConfig;
import io.github.redisproxy.config.ProxyConfig;
import io.github.redisproxy.config.RedisAddress;
import io.github.redisproxy.config.ServerConfig;
import io.github.redisproxy.http.HttpFrontEnd;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.management.ManagementServer;
import io.github.redisproxy.management.ProxyMetrics;
import io.github.redisproxy.resp.RespFrontEnd;
import io.github.redisproxy.tls.ServerTls;
import io.github.redisproxy.tracing.Tracing;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.resources.LoopResources;

/**
 * The composition root: builds the parts, starts them in dependency order, and stops them in
 * reverse. Blocking is allowed here (start-up and shutdown run on the main and signal threads,
 * never on an event loop).
 */
public final class ProxyServer {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  /**
   * Short, so that a local trial of a failover (kill a master) answers again within a few seconds.
   */
  private static final Duration EMBEDDED_CLUSTER_NODE_TIMEOUT = Duration.ofSeconds(2);

  private final ProxyConfig config;
  private final AutoCloseable embeddedRedis;
  private final Backend backend;
  private final HttpFrontEnd http;
  private final DisposableServer httpServer;
  private final RespFrontEnd resp;
  private final DisposableServer respServer;
  private final DisposableServer managementServer;
  private final ProxyMetrics metrics;
  private final LoopResources loops;
  private final Tracing tracing;
  private boolean stopped;

  private ProxyServer(
      ProxyConfig config,
      AutoCloseable embeddedRedis,
      Backend backend,
      HttpFrontEnd http,
      DisposableServer httpServer,
      RespFrontEnd resp,
      DisposableServer respServer,
      DisposableServer managementServer,
      ProxyMetrics metrics,
      LoopResources loops,
      Tracing tracing) {
    this.config = config;
    this.embeddedRedis = embeddedRedis;
    this.backend = backend;
    this.http = http;
    this.httpServer = httpServer;
    this.resp = resp;
    this.respServer = respServer;
    this.managementServer = managementServer;
    this.metrics = metrics;
    this.loops = loops;
    this.tracing = tracing;
  }

  /**
   * Starts the embedded Redis (if asked for), the backend connection, then the management, HTTP and
   * RESP ports. The management port comes first so that a probe finds it as soon as the proxy could
   * be ready. If a step fails, what the steps before it started is released in reverse, and the
   * failure is thrown.
   */
  public static ProxyServer start(ProxyConfig config) {
    long startedAt = System.nanoTime();
    // First: a bad TLS file stops the proxy before anything starts, and it never listens in clear
    // text when TLS was asked for.
    ServerTls loadedTls = config.tls().enabled() ? ServerTls.load(config.tls()) : null;
    AccessControl access =
        config.access().tokensFile().map(AccessControl::load).orElse(AccessControl.off());
    // A bad OTEL_* variable, too, stops the proxy here with one line.
    Tracing tracing = Tracing.start(config.tracing());
    log.info("Starting redis-proxy: {}", config.describe());
    try (StartupRollback built = new StartupRollback()) {
      Optional<ServerTls> tls = Optional.ofNullable(loadedTls);
      tls.ifPresent(loaded -> built.push(loaded, ServerTls::close));
      built.push(access, AccessControl::close);
      built.push(tracing, Tracing::close);
      BackendConfig backendConfig = config.backend();
      AutoCloseable embeddedRedis = null;
      if (backendConfig.address().kind() == RedisAddress.Kind.EMBEDDED_CLUSTER) {
        RedisClusterProcess cluster =
            built.push(
                RedisClusterProcess.start(3, 1, EMBEDDED_CLUSTER_NODE_TIMEOUT),
                RedisClusterProcess::close);
        embeddedRedis = cluster;
        backendConfig =
            backendConfig.withAddress(backendConfig.address().withNodes(seeds(cluster)));
      } else if (backendConfig.address().isEmbedded()) {
        RedisServerProcess server =
            built.push(startEmbeddedRedis(backendConfig), RedisServerProcess::close);
        embeddedRedis = server;
        backendConfig = backendConfig.at("127.0.0.1", server.port());
      }
      // Lettuce's client and connection objects take about 40 % of start-up (hundreds of classes,
      // and a reflective proxy for the synchronous API it builds eagerly), and so do the metrics
      // registry and event loops: they are independent, so the backend starts on a thread of its
      // own meanwhile. It only creates objects; the connection to Redis is made in the background
      // either way.
      CompletableFuture<Backend> backendStart =
          built.push(startBackendInBackground(backendConfig), ProxyServer::closeWhenStarted);
      ProxyMetrics metrics = built.push(new ProxyMetrics(), ProxyMetrics::close);
      // One set of event loops for every port: they share the machine's cores rather than compete.
      int eventLoops =
          config.server().eventLoops() == ServerConfig.DEFAULT_EVENT_LOOPS
              ? LoopResources.DEFAULT_IO_WORKER_COUNT
              : config.server().eventLoops();
      LoopResources loops =
          built.push(LoopResources.create("redis-proxy", eventLoops, true), LoopResources::dispose);
      metrics.bindEventLoops(loops.onServer(true));

      Backend backend = awaitStarted(backendStart);
      metrics.bindBackend(backend);
      LookupService lookups =
          LookupWiring.wire(
              config.cache(),
              config.server(),
              backend,
              Ticker.systemTicker(),
              metrics.registry(),
              tracing);

      tls.ifPresent(watched -> watched.watch(metrics.registry()));
      String bindAddress = config.server().bindAddress();
      DisposableServer managementServer = null;
      if (config.management().enabled()) {
        managementServer =
            built.push(
                new ManagementServer(
                        lookups,
                        backend,
                        backendConfig.address().toString(),
                        metrics.registry(),
                        config.cache(),
                        ManagementToken.of(config.access().managementToken()))
                    .bind(bindAddress, config.management().port(), loops, tls),
                DisposableServer::disposeNow);
      }
      access.watch();
      HttpFrontEnd http = new HttpFrontEnd(lookups, access, metrics.registry(), tracing);
      DisposableServer httpServer =
          built.push(http.bind(config.server(), loops, tls), DisposableServer::disposeNow);
      RespFrontEnd resp = null;
      DisposableServer respServer = null;
      if (config.resp().enabled()) {
        resp = new RespFrontEnd(lookups, access, backend, config.cache(), metrics.registry());
        respServer =
            built.push(
                resp.bind(config.server(), config.resp(), loops, tls),
                DisposableServer::disposeNow);
      }

      // Before the line below, which supervisors and the system tests wait for: once it is out,
      // whether the proxy warned is settled.
      warnWhereOpen(config, access);
      // One line with every port, which is also what supervisors and the system tests wait for.
      log.info(
          "Listening for HTTP on {}:{}{}{}{}; event loops: {}; Redis at {}; started in {} ms",
          bindAddress,
          config.server().port(),
          resp == null ? "" : ", RESP on " + bindAddress + ":" + config.resp().port(),
          managementServer == null
              ? ""
              : ", management on " + bindAddress + ":" + config.management().port(),
          tls.isPresent() ? ", all over TLS" : "",
          eventLoops,
          backendConfig.address(),
          (System.nanoTime() - startedAt) / 1_000_000);
      built.keep();
      return new ProxyServer(
          config,
          embeddedRedis,
          backend,
          http,
          httpServer,
          resp,
          respServer,
          managementServer,
          metrics,
          loops,
          tracing);
    }
  }

  /**
   * One WARN line when the proxy answers anyone who can reach it: no tokens, or purges without a
   * token, on an address other hosts can reach.
   */
  private static void warnWhereOpen(ProxyConfig config, AccessControl access) {
    String bind = config.server().bindAddress();
    if (isLoopback(bind)) {
      return;
    }
    List<String> open = new ArrayList<>();
    if (!access.enabled()) {
      open.add(
          "read every key of Redis through "
              + bind
              + ":"
              + config.server().port()
              + " (HTTP)"
              + (config.resp().enabled() ? " and :" + config.resp().port() + " (RESP)" : "")
              + "; set AUTH_TOKENS_FILE");
    }
    if (config.management().enabled() && config.access().managementToken().isEmpty()) {
      open.add(
          "purge the cache through "
              + bind
              + ":"
              + config.management().port()
              + " (management); set MANAGEMENT_TOKEN");
    }
    if (!open.isEmpty()) {
      log.warn(
          "Open to anyone who can reach this host: {} (docs/security.md)",
          String.join("; and ", open));
    }
  }

  private static boolean isLoopback(String bindAddress) {
    try {
      return InetAddress.getByName(bindAddress).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static List<RedisAddress.Node> seeds(RedisClusterProcess cluster) {
    List<RedisAddress.Node> seeds = new ArrayList<>();
    for (int port : cluster.masterPorts()) {
      seeds.add(new RedisAddress.Node("127.0.0.1", port));
    }
    return seeds;
  }

  private static RedisServerProcess startEmbeddedRedis(BackendConfig backendConfig) {
    int port = backendConfig.address().port();
    return port == 0 ? RedisServerProcess.start() : RedisServerProcess.start(port);
  }

  private static CompletableFuture<Backend> startBackendInBackground(BackendConfig config) {
    CompletableFuture<Backend> started = new CompletableFuture<>();
    Thread starter =
        new Thread(
            () -> {
              try {
                started.complete(Backends.start(config));
              } catch (Throwable e) {
                started.completeExceptionally(e);
              }
            },
            "redis-proxy-backend-start");
    starter.setDaemon(true);
    starter.start();
    return started;
  }

  private static Backend awaitStarted(CompletableFuture<Backend> start) {
    try {
      return start.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /**
   * A start-up that failed elsewhere: the backend, once (if ever) started, must not keep its
   * threads alive.
   */
  private static void closeWhenStarted(CompletableFuture<Backend> start) {
    start.thenAccept(Backend::close);
  }

  /**
   * Stops in the reverse order of start: stop accepting connections, let the requests in flight
   * finish (bounded by SHUTDOWN_TIMEOUT), close the backend, stop the embedded Redis.
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    log.info("Shutting down: no longer accepting connections, {} requests in flight", inFlight());
    http.startDraining();
    // Each step runs even if the one before failed: an embedded redis-server must never outlive the
    // proxy.
    step("stop accepting HTTP connections", () -> httpServer.disposeNow(Duration.ofSeconds(5)));
    if (respServer != null) {
      step("stop accepting RESP connections", () -> respServer.disposeNow(Duration.ofSeconds(5)));
    }
    step("wait for requests in flight", () -> awaitInFlight(config.server().shutdownTimeout()));
    // The management port stays up while draining, so that probes and scrapes see the shutdown.
    if (managementServer != null) {
      step("stop the management port", () -> managementServer.disposeNow(Duration.ofSeconds(5)));
    }
    // After the drain, so that the last requests' spans go out too.
    step("export the last spans", tracing::close);
    step("close the Redis connection", backend::close);
    step("close the metrics", metrics::close);
    step(
        "stop the event loops",
        () -> loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block());
    if (embeddedRedis != null) {
      step(
          "stop the embedded redis-server",
          () -> {
            try {
              embeddedRedis.close();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
    }
    log.info("Stopped");
  }

  private static void step(String what, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      log.warn("Shutdown: could not {}: {}", what, e.toString());
    }
  }

  private void awaitInFlight(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight() > 0) {
      if (System.nanoTime() - deadline > 0) {
        log.warn("{} requests still in flight after {}; exiting anyway", inFlight(), timeout);
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  private int inFlight() {
    return http.inFlight() + (resp == null ? 0 : resp.inFlight());
  }

  /**
   * Blocks the calling thread until the HTTP server is disposed (the event loops are daemon
   * threads).
   */
  public void awaitStopped() {
    httpServer.onDispose().block();
  }

  /** The port the HTTP server listens on. */
  public int httpPort() {
    return httpServer.port();
  }
}
