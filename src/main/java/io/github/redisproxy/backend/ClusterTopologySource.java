package io.github.redisproxy.backend;

import io.github.redisproxy.config.BackendConfig;
import io.github.redisproxy.config.ReadFrom;
import io.github.redisproxy.config.RedisAddress;
import io.github.redisproxy.config.RedisAddress.Node;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A Redis Cluster's topology, from Lettuce's {@link RedisClusterClient}: it reads {@code CLUSTER
 * NODES} from the seeds, refreshes every {@code CLUSTER_REFRESH_PERIOD} and adaptively (on
 * redirects, reconnects and uncovered slots, rate-limited to one per second rather than Lettuce's
 * default 5 s), and reports each change as a {@link ClusterTopologyChangedEvent}. Its one cluster
 * connection also serves the reads that cannot go through the routed node connections: it follows
 * MOVED and ASK redirects itself.
 */
final class ClusterTopologySource implements TopologySource {
  private static final Logger log = LoggerFactory.getLogger(ClusterTopologySource.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(50);
  private static final Duration MAX_RETRY = Duration.ofSeconds(1);

  private final RedisAddress address;
  private final Duration timeout;
  private final ReadFrom readFrom;
  private final RedisClusterClient client;
  private static final Duration MIN_REFRESH_INTERVAL = Duration.ofMillis(100);

  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile long lastRefresh = System.nanoTime() - MIN_REFRESH_INTERVAL.toNanos();
  private volatile StatefulRedisClusterConnection<byte[], byte[]> connection;
  private volatile Consumer<Topology> onTopology;
  private Disposable connecting;
  private Disposable events;

  ClusterTopologySource(BackendConfig config, ClientResources resources) {
    this.address = config.address();
    this.timeout = config.timeout();
    this.readFrom = config.readFrom();
    List<RedisURI> seeds = new ArrayList<>();
    for (Node node : address.nodes()) {
      seeds.add(LettuceBackend.uri(address, node.host(), node.port(), timeout));
    }
    this.client = RedisClusterClient.create(resources, seeds);
    client.setOptions(
        ClusterClientOptions.builder()
            .topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder()
                    .enablePeriodicRefresh(config.clusterRefreshPeriod())
                    // Every adaptive trigger is on by default since Lettuce 7; only their rate
                    // limit
                    // (5 s by default) is shortened.
                    .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                    .refreshTriggersReconnectAttempts(1)
                    .dynamicRefreshSources(true)
                    .closeStaleConnections(true)
                    .build())
            // A MOVED to a node Lettuce has not seen yet (one that just joined) is followed.
            .validateClusterNodeMembership(false)
            .maxRedirects(5)
            .autoReconnect(true)
            // Its node connections open on demand, for the few reads that come this way: a read
            // waits (within REDIS_TIMEOUT) for one to connect rather than failing at once.
            .disconnectedBehavior(ClusterClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
            .build());
  }

  @Override
  public void start(Consumer<Topology> onTopology) {
    this.onTopology = onTopology;
    this.events =
        client
            .getResources()
            .eventBus()
            .get()
            .filter(ClusterTopologyChangedEvent.class::isInstance)
            .subscribe(event -> publish());
    this.connecting =
        // The asynchronous connect needs the partitions loaded first (the synchronous one loads
        // them itself, blocking).
        Mono.defer(() -> Mono.fromCompletionStage(client.refreshPartitionsAsync()))
            .then(
                Mono.defer(
                    () -> Mono.fromCompletionStage(client.connectAsync(ByteArrayCodec.INSTANCE))))
            .retryWhen(
                Retry.backoff(Long.MAX_VALUE, FIRST_RETRY)
                    .maxBackoff(MAX_RETRY)
                    .doBeforeRetry(
                        signal -> {
                          if (signal.totalRetries() == 0) {
                            log.warn(
                                "Redis Cluster at {} is unreachable ({}); retrying until it"
                                    + " answers",
                                address,
                                signal.failure().getMessage());
                          }
                        }))
            .subscribe(
                connected -> {
                  connection = connected;
                  connected.setReadFrom(lettuceReadFrom(readFrom));
                  publish();
                },
                error -> log.error("Giving up connecting to Redis Cluster at {}", address, error));
  }

  private synchronized void publish() {
    if (connection == null || onTopology == null) {
      return;
    }
    try {
      // Partitions, as a collection, iterates a snapshot that Lettuce replaces whole on each
      // refresh (its getPartitions() list is the live one, changed under a refresh).
      onTopology.accept(Topology.ofCluster(List.copyOf(client.getPartitions()), readFrom));
    } catch (RuntimeException e) {
      // Keep listening: the next event or refresh publishes again.
      log.warn("Could not apply the cluster topology of {}: {}", address, e.toString(), e);
    }
  }

  static io.lettuce.core.ReadFrom lettuceReadFrom(ReadFrom readFrom) {
    return switch (readFrom) {
      case MASTER -> io.lettuce.core.ReadFrom.UPSTREAM;
      case REPLICA -> io.lettuce.core.ReadFrom.REPLICA;
      case REPLICA_PREFERRED -> io.lettuce.core.ReadFrom.REPLICA_PREFERRED;
      case NEAREST -> io.lettuce.core.ReadFrom.LOWEST_LATENCY;
      case ANY -> io.lettuce.core.ReadFrom.ANY;
    };
  }

  /**
   * One refresh at a time and at most one every {@link #MIN_REFRESH_INTERVAL}; its result is
   * published even when Lettuce saw no change.
   */
  @Override
  public void refresh() {
    long now = System.nanoTime();
    if (connection == null
        || now - lastRefresh < MIN_REFRESH_INTERVAL.toNanos()
        || !refreshing.compareAndSet(false, true)) {
      return;
    }
    lastRefresh = now;
    client
        .refreshPartitionsAsync()
        .whenComplete(
            (ok, error) -> {
              refreshing.set(false);
              if (error != null) {
                log.debug("Cluster topology refresh failed: {}", error.getMessage());
              } else {
                publish();
              }
            });
  }

  @Override
  public Mono<byte[]> get(byte[] key) {
    StatefulRedisClusterConnection<byte[], byte[]> current = connection;
    if (current == null) {
      return Mono.error(
          new BackendException(
              BackendException.Kind.UNAVAILABLE,
              "not connected to Redis Cluster at " + address,
              null));
    }
    return current
        .reactive()
        .get(key)
        .timeout(timeout.plusMillis(200))
        .onErrorMap(
            error -> !(error instanceof BackendException),
            error -> LettuceBackend.translate(error, address.toString(), timeout));
  }

  @Override
  public String mode() {
    return "cluster";
  }

  @Override
  public void close() {
    if (connecting != null) {
      connecting.dispose();
    }
    if (events != null) {
      events.dispose();
    }
    StatefulRedisClusterConnection<byte[], byte[]> current = connection;
    if (current != null) {
      current.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
