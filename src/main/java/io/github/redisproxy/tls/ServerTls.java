package io.github.redisproxy.tls;

import io.github.redisproxy.config.ConfigException;
import io.github.redisproxy.config.TlsConfig;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.SslProvider;
import reactor.netty.tcp.TcpServer;

/**
 * TLS for every port, with certificates that can be replaced while the proxy runs.
 *
 * <p>Each port is secured with an SNI mapping that answers every connection (with or without a
 * server name) with the contexts current at its handshake. A reload swaps those contexts: new
 * connections get the new certificate, and open ones keep the context they shook hands with, so
 * none is dropped. The files are compared by content once per {@link #POLL_PERIOD} on a thread of
 * their own, never on an event loop; a change that does not build (a certificate written before its
 * key, say) keeps the old contexts and is tried again when the files change again.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  /** How often the files are compared with what is served. */
  static final Duration POLL_PERIOD = Duration.ofSeconds(1);

  private final TlsConfig config;
  private final ScheduledExecutorService poller;
  private final LongAdder reloads = new LongAdder();
  private final LongAdder failedReloads = new LongAdder();
  private volatile ServerContexts current;
  private PemFiles lastRead; // only the poller thread touches it after start

  private ServerTls(TlsConfig config, PemFiles files, ServerContexts contexts) {
    this.config = config;
    this.lastRead = files;
    this.current = contexts;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "redis-proxy-tls-reload");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Reads the files and builds the contexts; nothing is started or logged yet, so that a bad file
   * stops the proxy before anything else happens.
   *
   * @throws ConfigException naming the file that cannot be used, so that the proxy exits with the
   *     configuration's exit code rather than start in clear text
   */
  public static ServerTls load(TlsConfig config) {
    try {
      PemFiles files = PemFiles.read(config);
      return new ServerTls(config, files, ServerContexts.build(files));
    } catch (IOException e) {
      throw new ConfigException("TLS files: cannot be read (" + PemReader.oneLine(e) + ")");
    } catch (TlsFileException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** Logs what is served, exports its meters, and from now on re-reads the files on change. */
  public void watch(MeterRegistry registry) {
    registerMeters(registry);
    long period = POLL_PERIOD.toMillis();
    poller.scheduleWithFixedDelay(this::reloadIfChanged, period, period, TimeUnit.MILLISECONDS);
    log.info(
        "TLS on every port: {}; TLSv1.3 and TLSv1.2; client certificates {}",
        ServerContexts.implementation(),
        config.mutual()
            ? "required (signed by " + config.clientCaFile().orElseThrow() + ")"
            : "not asked for");
    logServed("Serving", current);
  }

  /** The HTTP port: HTTP/1.1 and h2, chosen by ALPN. */
  public HttpServer secure(HttpServer server, MeterRegistry registry) {
    HandshakeFailures failures = new HandshakeFailures(registry, "http");
    return server
        .secure(spec -> current(spec, () -> current.http()))
        .doOnChannelInit((observer, channel, address) -> failures.addTo(channel.pipeline()));
  }

  /** The management port: HTTP/1.1 only. */
  public HttpServer securePlain(HttpServer server, MeterRegistry registry) {
    HandshakeFailures failures = new HandshakeFailures(registry, "management");
    return server
        .secure(spec -> current(spec, () -> current.plain()))
        .doOnChannelInit((observer, channel, address) -> failures.addTo(channel.pipeline()));
  }

  /** The RESP port. */
  public TcpServer secure(TcpServer server, MeterRegistry registry) {
    HandshakeFailures failures = new HandshakeFailures(registry, "resp");
    return server
        .secure(spec -> current(spec, () -> current.plain()))
        .doOnChannelInit((observer, channel, address) -> failures.addTo(channel.pipeline()));
  }

  /**
   * Every handshake, with or without a server name, asks {@code provider} which contexts are
   * current: a reload reaches new connections, and open ones keep theirs.
   */
  private static void current(SslProvider.SslContextSpec spec, Supplier<SslProvider> provider) {
    spec.sslContext(provider.get().getSslContext())
        .setSniAsyncMappings((serverName, promise) -> promise.setSuccess(provider.get()));
  }

  /** Stops watching the files; open connections are not affected. */
  @Override
  public void close() {
    poller.shutdownNow();
  }

  private void reloadIfChanged() {
    PemFiles files;
    try {
      files = PemFiles.read(config);
    } catch (IOException | RuntimeException e) {
      // A file being replaced may be missing for a moment: the next poll sees the new one.
      log.debug("TLS files not readable now: {}", e.toString());
      return;
    }
    if (files.sameAs(lastRead)) {
      return;
    }
    lastRead = files;
    try {
      ServerContexts contexts = ServerContexts.build(files);
      current = contexts;
      reloads.increment();
      logServed("TLS files changed: new connections now get", contexts);
    } catch (TlsFileException | RuntimeException e) {
      // A RuntimeException too: one escaping would end the scheduled polling for good.
      failedReloads.increment();
      log.warn(
          "TLS files changed but cannot be used ({}); still serving {}",
          e.getMessage(),
          describe(current));
    }
  }

  private void registerMeters(MeterRegistry registry) {
    Meters.gauge(
        registry,
        MeterNames.TLS_CERTIFICATE_EXPIRY,
        "When the served TLS certificate expires, in seconds since the epoch",
        this,
        tls -> tls.current.certificate().getNotAfter().toInstant().getEpochSecond());
    Meters.counter(
        registry,
        MeterNames.TLS_RELOADS,
        "Changes of the TLS files, by whether they were taken",
        reloads,
        LongAdder::sum,
        "result",
        "success");
    Meters.counter(
        registry,
        MeterNames.TLS_RELOADS,
        "Changes of the TLS files, by whether they were taken",
        failedReloads,
        LongAdder::sum,
        "result",
        "failure");
  }

  /** INFO, or WARN when the certificate is not valid now: clients will refuse it. */
  private static void logServed(String what, ServerContexts contexts) {
    X509Certificate certificate = contexts.certificate();
    Instant now = Instant.now();
    boolean valid =
        !now.isBefore(certificate.getNotBefore().toInstant())
            && !now.isAfter(certificate.getNotAfter().toInstant());
    if (valid) {
      log.info("{} {}", what, describe(contexts));
    } else {
      log.warn("{} {}, which is NOT VALID NOW: clients will refuse it", what, describe(contexts));
    }
  }

  private static String describe(ServerContexts contexts) {
    X509Certificate certificate = contexts.certificate();
    return "the certificate of "
        + certificate.getSubjectX500Principal().getName()
        + ", valid from "
        + certificate.getNotBefore().toInstant()
        + " until "
        + certificate.getNotAfter().toInstant();
  }
}
