package io.github.redisproxy.backend;

import io.github.redisproxy.config.BackendConfig;
import io.github.redisproxy.config.ReadFrom;
import io.github.redisproxy.config.RedisAddress;
import io.github.redisproxy.config.RedisAddress.Node;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * A master and its replicas, found through sentinels. Asks them ({@code SENTINEL
 * GET-MASTER-ADDR-BY-NAME}, {@code SENTINEL REPLICAS}) at start, whenever a sentinel announces a
 * change on its pub/sub channels ({@code +switch-master}, a replica going down or up, …), after a
 * sentinel connection comes back (its announcements in between are lost), and every {@code
 * CLUSTER_REFRESH_PERIOD} in case an announcement was missed. Every sentinel is listened to, so
 * that one that is down loses nothing.
 */
final class SentinelTopologySource implements TopologySource {
  private static final Logger log = LoggerFactory.getLogger(SentinelTopologySource.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(50);
  private static final Duration MAX_RETRY = Duration.ofSeconds(1);
  private static final Set<String> CHANGES =
      Set.of(
          "+switch-master",
          "+slave",
          "+sdown",
          "-sdown",
          "+odown",
          "-odown",
          "+convert-to-slave",
          "+role-change",
          "-role-change",
          "+failover-end",
          "+slave-reconf-done");

  private final RedisAddress address;
  private final String master;
  private final Duration period;
  private final ReadFrom readFrom;
  private final RedisClient client;
  private final List<StatefulRedisSentinelConnection<String, String>> sentinels =
      new CopyOnWriteArrayList<>();
  private final List<StatefulRedisPubSubConnection<String, String>> announcements =
      new CopyOnWriteArrayList<>();
  private final List<Disposable> tasks = new CopyOnWriteArrayList<>();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();
  private volatile Consumer<Topology> onTopology;
  private volatile boolean closing;
  private volatile String lastProblem; // why the last refresh found no master; null if it did

  SentinelTopologySource(BackendConfig config, ClientResources resources) {
    this.address = config.address();
    this.master = address.sentinelMaster();
    this.period = config.clusterRefreshPeriod();
    this.readFrom = config.readFrom();
    this.client = RedisClient.create(resources);
    client.setOptions(LettuceBackend.clientOptions(config.timeout()));
  }

  @Override
  public void start(Consumer<Topology> onTopology) {
    this.onTopology = onTopology;
    for (Node sentinel : address.nodes()) {
      RedisURI uri = RedisURI.create(sentinel.host(), sentinel.port());
      tasks.add(
          connect(sentinel, () -> client.connectSentinelAsync(StringCodec.UTF8, uri))
              .subscribe(
                  connected -> {
                    sentinels.add(connected);
                    refresh();
                  }));
      tasks.add(
          connect(
                  sentinel,
                  () -> client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture())
              .flatMap(this::listen)
              .subscribe());
    }
    tasks.add(Flux.interval(period, Schedulers.parallel()).subscribe(tick -> refresh()));
  }

  private <T> Mono<T> connect(
      Node sentinel, java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> connect) {
    return Mono.defer(() -> Mono.fromCompletionStage(connect.get()))
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, FIRST_RETRY)
                .maxBackoff(MAX_RETRY)
                .doBeforeRetry(
                    signal -> {
                      if (signal.totalRetries() == 0) {
                        log.warn(
                            "Sentinel at {} is unreachable ({}); retrying until it answers",
                            sentinel,
                            signal.failure().getMessage());
                      }
                    }));
  }

  private Mono<Void> listen(StatefulRedisPubSubConnection<String, String> connection) {
    announcements.add(connection);
    connection.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String pattern, String channel, String message) {
            if (CHANGES.contains(channel)) {
              log.info("Sentinel announced {} {}", channel, message);
              refresh();
            }
          }
        });
    connection.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress remote) {
            refresh(); // announcements made while it was away are lost
          }
        });
    return connection.reactive().psubscribe("*");
  }

  /**
   * Asks the first sentinel that answers; one question at a time, and one more after it if a
   * refresh was asked for meanwhile (the answer in flight may predate the change).
   */
  @Override
  public void refresh() {
    if (closing) {
      return;
    }
    if (!refreshing.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    again.set(false);
    List<StatefulRedisSentinelConnection<String, String>> asked = List.copyOf(sentinels);
    AtomicReference<String> problem = new AtomicReference<>();
    Flux.fromIterable(asked)
        .concatMap(
            sentinel ->
                ask(sentinel)
                    .switchIfEmpty(
                        Mono.fromRunnable(
                            () -> problem.set("no sentinel knows a master named '" + master + "'")))
                    .onErrorResume(
                        error -> {
                          problem.set(String.valueOf(error.getMessage()));
                          return Mono.empty();
                        }),
            1)
        .next()
        .doOnSuccess(
            topology -> {
              if (!asked.isEmpty()) { // with no sentinel connected, connect() says why
                report(topology == null ? problem.get() : null);
              }
            })
        .doFinally(
            signal -> {
              refreshing.set(false);
              if (again.get()) {
                refresh();
              }
            })
        .subscribe(
            topology -> {
              Consumer<Topology> listener = onTopology;
              if (listener != null && !closing) {
                synchronized (this) {
                  listener.accept(topology);
                }
              }
            },
            error -> log.debug("Asking the sentinels failed: {}", error.getMessage()));
  }

  /**
   * Logs why the sentinels named no master, once per distinct reason (a wrong master name, or a
   * node that is no sentinel, would otherwise leave the proxy answering 503 without a word), and
   * when they name one again.
   */
  private void report(String problem) {
    String before = lastProblem;
    lastProblem = problem;
    if (problem != null && !problem.equals(before)) {
      log.warn(
          "The sentinels at {} name no master for '{}' ({}); asking again on their next"
              + " announcement and every {} s",
          address,
          master,
          problem,
          period.toSeconds());
    } else if (problem == null && before != null) {
      log.info("The sentinels at {} name a master for '{}' again", address, master);
    }
  }

  private Mono<Topology> ask(StatefulRedisSentinelConnection<String, String> sentinel) {
    if (!sentinel.isOpen()) {
      return Mono.empty();
    }
    return Mono.zip(
            sentinel.reactive().getMasterAddrByName(master),
            sentinel.reactive().replicas(master).collectList())
        .map(
            found ->
                Topology.singleShard(
                    new Topology.Shard(node(found.getT1()), healthyReplicas(found.getT2())),
                    readFrom));
  }

  private static Node node(SocketAddress address) {
    InetSocketAddress inet = (InetSocketAddress) address;
    return new Node(inet.getHostString(), inet.getPort());
  }

  /** Replicas the sentinels consider up and in sync with the master. */
  private static List<Node> healthyReplicas(List<Map<String, String>> replicas) {
    List<Node> healthy = new ArrayList<>();
    for (Map<String, String> replica : replicas) {
      String flags = replica.getOrDefault("flags", "");
      if (flags.contains("s_down")
          || flags.contains("o_down")
          || flags.contains("disconnected")
          || !"ok".equals(replica.getOrDefault("master-link-status", "ok"))) {
        continue;
      }
      healthy.add(new Node(replica.get("ip"), Integer.parseInt(replica.get("port"))));
    }
    return healthy;
  }

  @Override
  public Mono<byte[]> get(byte[] key) {
    return Mono.error(
        new BackendException(
            BackendException.Kind.UNAVAILABLE,
            "no reachable node of " + master + " through the sentinels at " + address,
            null));
  }

  @Override
  public String mode() {
    return "sentinel";
  }

  @Override
  public void close() {
    closing = true;
    tasks.forEach(Disposable::dispose);
    sentinels.forEach(StatefulRedisSentinelConnection::close);
    announcements.forEach(StatefulRedisPubSubConnection::close);
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
