package io.github.redisproxy.management;

import io.github.redisproxy.backend.Backend;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoopGroup;

/**
 * The one meter registry of the process, in Prometheus' format, with the JVM's and Netty's basics
 * bound by Micrometer's own binders. The proxy's own meters are registered by the parts that own
 * them (see {@link MeterNames}).
 */
public final class ProxyMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public ProxyMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    // Netty 4.2's default allocator (adaptive) and the pooled one both report their memory.
    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
      new NettyAllocatorMetrics(allocator).bindTo(registry);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Pending tasks per event loop of {@code group}: a loop that falls behind shows here first. */
  public void bindEventLoops(EventLoopGroup group) {
    new NettyEventExecutorMetrics(group).bindTo(registry);
  }

  /** Whether Redis is connected, and how often the connection was lost. */
  public void bindBackend(Backend backend) {
    Meters.gauge(
        registry,
        MeterNames.BACKEND_UP,
        "1 while the connection to Redis is up, else 0",
        backend,
        b -> b.isConnected() ? 1 : 0);
    Meters.counter(
        registry,
        MeterNames.BACKEND_DISCONNECTS,
        "Times the connection to Redis was lost",
        backend,
        Backend::disconnects);
    Meters.counter(
        registry,
        MeterNames.BACKEND_RETRIES,
        "Reads retried once because the connection to Redis broke under them",
        backend,
        Backend::retries);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
