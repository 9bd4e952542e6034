package io.github.redisproxy.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.redisproxy.access.AccessControl;
import io.github.redisproxy.access.ManagementToken;
import io.github.redisproxy.app.LookupWiring;
import io.github.redisproxy.backend.LettuceBackend;
import io.github.redisproxy.config.ConfigLoader;
import io.github.redisproxy.config.ProxyConfig;
import io.github.redisproxy.http.HttpFrontEnd;
import io.github.redisproxy.lookup.LookupService;
import io.github.redisproxy.management.ManagementServer;
import io.github.redisproxy.management.ProxyMetrics;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.resources.LoopResources;

/**
 * Where the proxy's start-up time goes, for bench/startup.sh: the steps of {@code
 * ProxyServer.start} in the same order, on the same settings (environment and {@code --flags}),
 * each timed in a fresh JVM, so each step's time includes the classes it is the first to load and
 * initialize. Two steps are split further by doing their parts first on throwaway objects: {@code
 * ProxyMetrics} (Netty's buffer allocator, the Prometheus registry, Micrometer's JVM and Netty
 * binders, then the real {@code ProxyMetrics}) and the Lettuce backend (Lettuce's client resources
 * and client, then the real {@code LettuceBackend}, which starts connecting). Embedded Redis and
 * the RESP port are not covered.
 *
 * <p>{@code java -Dbench.launched=EPOCH_MICROS -cp target/test-classes:target/redis-proxy.jar
 * io.github.redisproxy.bench.StartupPhases [--setting=value ...]}, where {@code bench.launched} is
 * when the JVM was launched (bash: {@code ${EPOCHREALTIME/./}}); prints one line {@code phase NAME
 * MS_SINCE_LAUNCH MS_OF_STEP} per step, then serves like the proxy until killed. The first step is
 * the JVM's own start-up, up to {@code main}.
 */
public final class StartupPhases {
  private static long previous;
  private static long launched;

  private StartupPhases() {}

  public static void main(String[] args) {
    launched = Long.getLong("bench.launched", micros());
    previous = launched;
    phase("jvm-to-main");
    ProxyConfig config = ConfigLoader.load(List.of(args), System.getenv(), Path.of(".env"));
    phase("config");
    // The proxy's first log line, the same way: Logback's initialisation (the jar's logback.xml) is
    // part of its start-up. On stderr, since stdout holds the phases.
    System.setProperty("redisproxy.log.target", "System.err");
    LoggerFactory.getLogger(StartupPhases.class)
        .info("Starting redis-proxy: {}", config.describe());
    phase("first-log-line");
    // ProxyMetrics' parts first, on a throwaway registry, to see which of them costs; the real one
    // follows.
    ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    phase("netty-buffer-allocator");
    PrometheusMeterRegistry scratch = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    phase("micrometer-prometheus-registry");
    new ClassLoaderMetrics().bindTo(scratch);
    new JvmMemoryMetrics().bindTo(scratch);
    try (JvmGcMetrics gc = new JvmGcMetrics()) {
      gc.bindTo(scratch);
    }
    new JvmThreadMetrics().bindTo(scratch);
    new ProcessorMetrics().bindTo(scratch);
    new UptimeMetrics().bindTo(scratch);
    new FileDescriptorMetrics().bindTo(scratch);
    if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
      new NettyAllocatorMetrics(provider).bindTo(scratch);
    }
    scratch.close();
    phase("micrometer-jvm-and-netty-binders");
    ProxyMetrics metrics = new ProxyMetrics();
    phase("proxy-metrics-rest");
    LoopResources loops =
        LoopResources.create("redis-proxy", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
    metrics.bindEventLoops(loops.onServer(true));
    phase("event-loops");
    // Lettuce's client resources (its own event loops, computation threads, event bus, timer) and
    // client, thrown away; then the real backend, which builds its own and starts connecting.
    ClientResources resources = ClientResources.create();
    RedisClient.create(resources).shutdownAsync(0, 0, TimeUnit.SECONDS);
    phase("lettuce-client-resources");
    LettuceBackend backend = LettuceBackend.start(config.backend());
    metrics.bindBackend(backend);
    phase("lettuce-backend-start-rest");
    LookupService lookups =
        LookupWiring.wire(
            config.cache(), config.server(), backend, Ticker.systemTicker(), metrics.registry());
    phase("lookup-and-cache");
    String bindAddress = config.server().bindAddress();
    DisposableServer management = null;
    if (config.management().enabled()) {
      management =
          new ManagementServer(
                  lookups,
                  backend,
                  config.backend().address().toString(),
                  metrics.registry(),
                  config.cache(),
                  ManagementToken.of(Optional.empty()))
              .bind(bindAddress, config.management().port(), loops, Optional.empty());
    }
    phase("management-port-bound");
    DisposableServer http =
        new HttpFrontEnd(lookups, AccessControl.off(), metrics.registry())
            .bind(config.server(), loops, Optional.empty());
    phase("http-port-bound");
    // The connection and CLIENT TRACKING run in the background from lettuce-backend-start-rest on;
    // here they end.
    while (!backend.isConnected()) {
      LockSupport.parkNanos(200_000);
    }
    phase("redis-connected-and-tracking");
    http.onDispose().block();
    if (management != null) {
      management.disposeNow();
    }
  }

  private static void phase(String name) {
    long now = micros();
    System.out.printf(
        Locale.ROOT,
        "phase %s %.1f %.1f%n",
        name,
        (now - launched) / 1000.0,
        (now - previous) / 1000.0);
    System.out.flush();
    previous = now;
  }

  private static long micros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }
}
