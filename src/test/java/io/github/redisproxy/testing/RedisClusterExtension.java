package io.github.redisproxy.testing;

import io.github.redisproxy.backend.embedded.RedisClusterProcess;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster (by default 3 masters, 1 replica each, {@code cluster-node-timeout} 1000 ms)
 * for the tests of one class, with clients to set state in it, read its statistics and change its
 * topology: move a slot, fail a master over, kill a node, add a master.
 *
 * <p>Register it on a static field, first ({@code @Order(1)}) when a proxy reads from it:
 *
 * <pre>{@code
 * @RegisterExtension @Order(1)
 * static final RedisClusterExtension redis = new RedisClusterExtension();
 * // or RedisClusterExtension.builder().nodeTimeout(Duration.ofMillis(2000)).build()
 * }</pre>
 *
 * <p>Lifecycle:
 *
 * <ul>
 *   <li>before all tests of the class: starts the cluster with {@link RedisClusterProcess#start}
 *       (free loopback ports; the slots split over the masters as redis-cli splits them) and
 *       returns once every node reports {@code cluster_state:ok} and every replica's link is up.
 *       {@link #address()} is known from then on;
 *   <li>before each test: if a previous test changed the topology (a failover, a moved slot, a
 *       killed or added node, anything that makes a node's {@code CLUSTER NODES} differ from the
 *       cluster as built), <b>restarts the whole cluster on the same ports</b> ({@link
 *       RedisClusterProcess#restart()}, about 2 s): rebuilding a fresh cluster is one well-tested
 *       path, where undoing each kind of change (failing back, moving slots back, reviving a killed
 *       node) would be one path per change. A proxy keeps its {@code REDIS_ADDRESS}; it sees its
 *       connections drop and the same addresses come back with new node ids. Then {@code FLUSHALL}
 *       on every master, a wait until every replica has applied it ({@link #waitForReplicas()}),
 *       every {@linkplain #addFlushBarrier flush barrier}, and {@code CONFIG RESETSTAT} on every
 *       node, so that every test starts with no keys, {@link #getCalls} at 0 on every node and the
 *       same roles on the same ports;
 *   <li>after all tests of the class: closes the clients and stops every node (a JVM shutdown hook
 *       stops what an aborted run left).
 * </ul>
 *
 * <p>The helpers that read the topology ({@link #masterPortFor}, {@link #replicaPortFor}, {@link
 * #keyOwnedBy}) ask one live node's {@code CLUSTER NODES}: the cluster as that node sees it now.
 * The helpers that change it return once every live node agrees on the result.
 */
public final class RedisClusterExtension
    implements RedisUnderTest, BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private static final Pattern GET_CALLS =
      Pattern.compile("^cmdstat_get:calls=(\\d+),", Pattern.MULTILINE);
  private static final Pattern REPL_OFFSET =
      Pattern.compile("^(?:master|slave)_repl_offset:(\\d+)", Pattern.MULTILINE);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The {@link #cluster()} client's command and connection timeout; short, because now and then
   * (seen about once in three runs, on the first connect in a JVM that has run another cluster
   * client) one of Lettuce 7.7's topology-refresh connections logs "Ignoring received data for
   * closed or abandoned connection" and never completes its handshake, holding up the first command
   * for this long. The refresh then succeeds from the other nodes' views.
   */
  private static final Duration CLUSTER_CLIENT_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Clusters not stopped yet; stopped when the test JVM exits, so that an aborted run leaves none
   * behind.
   */
  private static final Set<RedisClusterProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> RUNNING.forEach(RedisClusterProcess::close), "stop-leftover-redis-clusters"));
  }

  private final int masters;
  private final int replicasPerMaster;
  private final Duration nodeTimeout;
  private final List<Runnable> flushBarriers = new CopyOnWriteArrayList<>();
  private RedisClusterProcess cluster; // guarded by this
  private Map<Integer, String> builtShape; // guarded by this; port → role, as built
  private RedisClient client; // guarded by this
  private final Map<Integer, StatefulRedisConnection<String, String>> connections =
      new HashMap<>(); // guarded by this
  private RedisClusterClient clusterClient; // guarded by this
  private StatefulRedisClusterConnection<String, String> clusterConnection; // guarded by this

  /** 3 masters with 1 replica each and a 1000 ms {@code cluster-node-timeout}. */
  public RedisClusterExtension() {
    this(builder());
  }

  private RedisClusterExtension(Builder settings) {
    this.masters = settings.masters;
    this.replicasPerMaster = settings.replicasPerMaster;
    this.nodeTimeout = settings.nodeTimeout;
  }

  /** Settings other than the default 3 + 3 nodes and 1000 ms node timeout. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (cluster == null) {
      cluster = RedisClusterProcess.start(masters, replicasPerMaster, nodeTimeout);
      RUNNING.add(cluster);
      client = RedisClient.create();
      builtShape = shape(view());
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    closeClients();
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      client = null;
    }
    if (cluster != null) {
      cluster.close();
      RUNNING.remove(cluster);
      cluster = null;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    synchronized (this) {
      if (cluster == null) {
        return;
      }
      if (!isAsBuilt()) {
        restart();
      }
    }
    for (int master : currentMasterPorts()) {
      commands(master).flushall();
    }
    waitForReplicas();
    flushBarriers.forEach(Runnable::run);
    for (int port : process().ports()) {
      commands(port).configResetstat();
    }
  }

  /**
   * Runs {@code barrier} after the {@code FLUSHALL} before each test, before the test starts: it
   * returns once whatever holds state read from this cluster (a proxy's cache) has handled the
   * flush.
   */
  public void addFlushBarrier(Runnable barrier) {
    flushBarriers.add(barrier);
  }

  /** Stops running {@code barrier}: what it waits for has gone. */
  public void removeFlushBarrier(Runnable barrier) {
    flushBarriers.remove(barrier);
  }

  /**
   * {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}: the masters as built, as seeds
   * in the form REDIS_ADDRESS takes. It stays the same when the cluster is restarted before a test.
   */
  @Override
  public synchronized boolean isRunning() {
    return cluster != null;
  }

  @Override
  public String address() {
    return process().masterPorts().stream()
        .map(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(",", "redis-cluster://", ""));
  }

  /** The running cluster's processes; fails outside the class's tests. */
  public synchronized RedisClusterProcess process() {
    if (cluster == null) {
      throw new IllegalStateException(
          "the Redis Cluster is used outside the test class it is registered in");
    }
    return cluster;
  }

  /** Every node's port: the masters and replicas as built, then any {@link #addMaster added}. */
  public List<Integer> ports() {
    return process().ports();
  }

  /** The nodes built as masters (after a failover some of them may be replicas). */
  public List<Integer> builtMasterPorts() {
    return process().masterPorts();
  }

  /** The {@code cluster-node-timeout} of every node. */
  public Duration nodeTimeout() {
    return nodeTimeout;
  }

  /**
   * Cluster-aware commands with UTF-8 string keys and values, for writes in any slot: Lettuce's
   * {@link RedisClusterClient} follows MOVED and ASK, and refreshes its slot map on redirects and
   * reconnects and every second, so it keeps working across the topology changes of this class's
   * helpers. Opened on first use after each (re)start.
   */
  public synchronized RedisAdvancedClusterCommands<String, String> cluster() {
    if (clusterConnection == null || !clusterConnection.isOpen()) {
      List<RedisURI> seeds =
          process().ports().stream()
              .map(
                  port ->
                      RedisURI.builder()
                          .withHost("127.0.0.1")
                          .withPort(port)
                          .withTimeout(CLUSTER_CLIENT_TIMEOUT)
                          .build())
              .collect(Collectors.toList());
      clusterClient = RedisClusterClient.create(seeds);
      clusterClient.setOptions(
          ClusterClientOptions.builder()
              .protocolVersion(ProtocolVersion.RESP2)
              .validateClusterNodeMembership(false)
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enablePeriodicRefresh(Duration.ofSeconds(1))
                      .enableAllAdaptiveRefreshTriggers()
                      .adaptiveRefreshTriggersTimeout(Duration.ofMillis(100))
                      .build())
              .build());
      clusterConnection = clusterClient.connect(StringCodec.UTF8);
    }
    return clusterConnection.sync();
  }

  /**
   * Commands on the one node at {@code port} (no redirects followed: a key the node does not own
   * answers MOVED), over a connection opened on first use and kept until the node is killed or the
   * cluster restarts.
   */
  public synchronized RedisCommands<String, String> commands(int port) {
    StatefulRedisConnection<String, String> connection = connections.get(port);
    if (connection == null || !connection.isOpen()) {
      if (client == null) {
        throw new IllegalStateException(
            "the Redis Cluster is used outside the test class it is registered in");
      }
      connection = client.connect(StringCodec.UTF8, uri(port));
      connections.put(port, connection);
    }
    return connection.sync();
  }

  /** The hash slot of {@code key}, honouring a hash tag ({@code {user1}.a}) as Redis does. */
  public static int slotOf(String key) {
    return SlotHash.getSlot(key);
  }

  /** The port of the master that owns {@code key}'s slot now. */
  public int masterPortFor(String key) {
    return ownerOf(view(), slotOf(key)).getUri().getPort();
  }

  /**
   * The port of a live replica of the master that owns {@code key}'s slot now (the first one in
   * {@code CLUSTER NODES} order, when it has several).
   *
   * @throws IllegalStateException if that master has no live replica
   */
  public int replicaPortFor(String key) {
    Partitions view = view();
    RedisClusterNode owner = ownerOf(view, slotOf(key));
    return replicasOf(view, owner).stream()
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "the owner of "
                        + key
                        + ", 127.0.0.1:"
                        + owner.getUri().getPort()
                        + ", has no live replica"));
  }

  /**
   * How many {@code GET} commands the node at {@code port} has executed since the last {@code
   * CONFIG RESETSTAT} (from its {@code INFO commandstats}).
   */
  public long getCalls(int port) {
    Matcher calls = GET_CALLS.matcher(commands(port).info("commandstats"));
    return calls.find() ? Long.parseLong(calls.group(1)) : 0;
  }

  /**
   * The first key {@code prefix + N} (N = 0, 1, …) whose slot the master at {@code masterPort} owns
   * now. Prefixes with a hash tag have one slot for every N: pick the tag, not the number.
   */
  public String keyOwnedBy(int masterPort, String prefix) {
    Partitions view = view();
    for (int n = 0; n < 1_000_000; n++) {
      String key = prefix + n;
      RedisClusterNode owner = ownerOf(view, slotOf(key));
      if (owner.getUri().getPort() == masterPort) {
        return key;
      }
    }
    throw new IllegalArgumentException(
        "no key " + prefix + "N is owned by 127.0.0.1:" + masterPort + " (is it a master?)");
  }

  /**
   * Moves {@code slot} and its keys from the master at {@code fromPort} to the master at {@code
   * toPort}, as redis-cli's resharding does: {@code CLUSTER SETSLOT IMPORTING} on the target,
   * {@code MIGRATING} on the source, {@code GETKEYSINSLOT} + {@code MIGRATE} until the source has
   * no key left in the slot, then {@code SETSLOT NODE} on the target, the source and every other
   * master. Returns once every live node sees the target as the slot's owner and reports {@code
   * cluster_state:ok}. While the keys move, a client reading them gets ASK redirects.
   */
  public void migrateSlot(int slot, int fromPort, int toPort) {
    Partitions view = view();
    String fromId = nodeAt(view, fromPort).getNodeId();
    String toId = nodeAt(view, toPort).getNodeId();
    RedisCommands<String, String> from = commands(fromPort);
    RedisCommands<String, String> to = commands(toPort);
    to.clusterSetSlotImporting(slot, fromId);
    from.clusterSetSlotMigrating(slot, toId);
    List<String> keys;
    while (!(keys = from.clusterGetKeysInSlot(slot, 100)).isEmpty()) {
      from.migrate("127.0.0.1", toPort, 0, 5_000, MigrateArgs.Builder.keys(keys));
    }
    to.clusterSetSlotNode(slot, toId);
    from.clusterSetSlotNode(slot, toId);
    for (RedisClusterNode node : view) {
      int port = node.getUri().getPort();
      if (isLiveMaster(node) && port != fromPort && port != toPort) {
        commands(port).clusterSetSlotNode(slot, toId);
      }
    }
    awaitEveryLiveNode(
        "every node to see slot " + slot + " owned by 127.0.0.1:" + toPort,
        nodeView -> nodeView.stream().anyMatch(n -> n.getNodeId().equals(toId) && n.hasSlot(slot)));
    awaitClusterOk();
  }

  /**
   * {@code CLUSTER FAILOVER} on the replica at {@code replicaPort} (a graceful failover: its master
   * stops writes, the replica catches up, takes over and the old master becomes its replica), then
   * {@link #awaitPromoted}.
   */
  public void failover(int replicaPort) {
    commands(replicaPort).clusterFailover(false);
    awaitPromoted(replicaPort);
  }

  /**
   * Kills the node at {@code port} with SIGKILL, as a crash would. If it was a master with a
   * replica, the cluster promotes that replica after the node timeout: wait for it with {@link
   * #awaitPromoted}.
   */
  public void killNode(int port) {
    synchronized (this) {
      StatefulRedisConnection<String, String> connection = connections.remove(port);
      if (connection != null) {
        connection.close();
      }
    }
    process().kill(port);
  }

  /**
   * Waits until every live node sees the node at {@code port} as a master owning slots and reports
   * {@code cluster_state:ok}: after {@link #failover}, or after {@link #killNode} of its master
   * (which takes the node timeout, then an election).
   */
  public void awaitPromoted(int port) {
    awaitEveryLiveNode(
        "every node to see 127.0.0.1:" + port + " as a master with slots",
        nodeView ->
            nodeView.stream()
                .anyMatch(
                    n ->
                        n.getUri().getPort() == port
                            && isLiveMaster(n)
                            && !n.getSlots().isEmpty()));
    awaitClusterOk();
  }

  /** Waits until every live node reports {@code cluster_state:ok}. */
  public void awaitClusterOk() {
    for (int port : liveNodePorts()) {
      Polling.until(
          SETTLE_TIMEOUT,
          "cluster_state:ok on 127.0.0.1:" + port,
          () -> commands(port).clusterInfo(),
          info -> info.contains("cluster_state:ok"));
    }
    // The test's own cluster client must route to the settled topology at once: a command sent to
    // a killed node's connection would wait there for a reconnect that never comes.
    synchronized (this) {
      if (clusterClient != null) {
        clusterClient.refreshPartitions();
      }
    }
  }

  /**
   * Starts a new empty master, {@code CLUSTER MEET}s it and returns its port once every live node
   * knows it and it reports {@code cluster_state:ok}. It owns no slot: give it one with {@link
   * #migrateSlot}. The next test finds the cluster as built again (see the class comment).
   */
  public int addMaster() {
    return process().addNode();
  }

  /**
   * Waits until every live replica has applied every write its master had executed when this was
   * called, so that a read from a replica sees them. It compares replication offsets ({@code
   * master_repl_offset} on the master, {@code slave_repl_offset} on each replica) rather than
   * sending {@code WAIT}, because {@code WAIT} only covers the writes of the connection it is sent
   * on, and the writes came over other connections ({@link #cluster()}'s, a proxy's).
   */
  public void waitForReplicas() {
    Partitions view = view();
    for (RedisClusterNode master : view) {
      if (!isLiveMaster(master)) {
        continue;
      }
      long written = replOffset(master.getUri().getPort());
      for (int replica : replicasOf(view, master)) {
        Polling.until(
            SETTLE_TIMEOUT,
            "127.0.0.1:" + replica + " to reach replication offset " + written,
            () -> replOffset(replica),
            offset -> offset >= written);
      }
    }
  }

  /** The ports of the masters that own slots now, as a live node sees the cluster. */
  public List<Integer> currentMasterPorts() {
    return view().stream()
        .filter(n -> isLiveMaster(n) && !n.getSlots().isEmpty())
        .map(n -> n.getUri().getPort())
        .toList();
  }

  private long replOffset(int port) {
    Matcher offset = REPL_OFFSET.matcher(commands(port).info("replication"));
    if (!offset.find()) {
      throw new IllegalStateException("no replication offset in INFO of 127.0.0.1:" + port);
    }
    return Long.parseLong(offset.group(1));
  }

  /** The cluster as the first live node sees it. */
  private Partitions view() {
    return view(liveNodePorts().get(0));
  }

  private Partitions view(int port) {
    return ClusterPartitionParser.parse(commands(port).clusterNodes());
  }

  private List<Integer> liveNodePorts() {
    RedisClusterProcess running = process();
    List<Integer> live =
        running.ports().stream().filter(port -> running.node(port).isAlive()).toList();
    if (live.isEmpty()) {
      throw new IllegalStateException("every node of the cluster has been killed");
    }
    return live;
  }

  private void awaitEveryLiveNode(String what, Predicate<Partitions> done) {
    for (int port : liveNodePorts()) {
      Polling.until(SETTLE_TIMEOUT, what + " (on 127.0.0.1:" + port + ")", () -> view(port), done);
    }
  }

  private static RedisClusterNode ownerOf(Partitions view, int slot) {
    return view.stream()
        .filter(n -> isLiveMaster(n) && n.hasSlot(slot))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no live master owns slot " + slot));
  }

  private static List<Integer> replicasOf(Partitions view, RedisClusterNode master) {
    return view.stream()
        .filter(
            n ->
                master.getNodeId().equals(n.getSlaveOf())
                    && !n.is(NodeFlag.FAIL)
                    && !n.is(NodeFlag.EVENTUAL_FAIL))
        .map(n -> n.getUri().getPort())
        .toList();
  }

  private static RedisClusterNode nodeAt(Partitions view, int port) {
    return view.stream()
        .filter(n -> n.getUri() != null && n.getUri().getPort() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node 127.0.0.1:" + port));
  }

  private static boolean isLiveMaster(RedisClusterNode node) {
    return node.getRole().isUpstream()
        && !node.is(NodeFlag.FAIL)
        && !node.is(NodeFlag.EVENTUAL_FAIL)
        && !node.is(NodeFlag.HANDSHAKE);
  }

  /**
   * Whether every node is alive and sees the cluster exactly as it was built (the same nodes, roles
   * and slots) with {@code cluster_state:ok}, and every replica's link is up.
   */
  private boolean isAsBuilt() {
    try {
      for (int port : cluster.ports()) {
        if (!cluster.node(port).isAlive()
            || !builtShape.equals(shape(view(port)))
            || !commands(port).clusterInfo().contains("cluster_state:ok")) {
          return false;
        }
      }
      for (int port : cluster.replicaPorts()) {
        if (!commands(port).info("replication").contains("master_link_status:up")) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Port → "master SLOTS" or "replica of PORT", with any failure flag: what must not change. */
  private static Map<Integer, String> shape(Partitions view) {
    Map<String, Integer> portsById = new HashMap<>();
    view.forEach(n -> portsById.put(n.getNodeId(), n.getUri().getPort()));
    Map<Integer, String> shape = new TreeMap<>();
    for (RedisClusterNode node : view) {
      Set<NodeFlag> flags = node.getFlags();
      String failure =
          flags.contains(NodeFlag.FAIL) || flags.contains(NodeFlag.EVENTUAL_FAIL) ? " failing" : "";
      String role =
          node.getRole().isUpstream()
              ? "master " + slotRanges(node.getSlots())
              : "replica of "
                  + Optional.ofNullable(node.getSlaveOf()).map(portsById::get).orElse(null);
      shape.put(node.getUri().getPort(), role + failure);
    }
    return shape;
  }

  /** "0-5460" for slots 0, 1, …, 5460; "1-3,7" for 1, 2, 3, 7. */
  private static String slotRanges(List<Integer> slots) {
    List<Integer> sorted = slots.stream().sorted().toList();
    StringBuilder ranges = new StringBuilder();
    for (int i = 0; i < sorted.size(); i++) {
      int first = sorted.get(i);
      while (i + 1 < sorted.size() && sorted.get(i + 1) == sorted.get(i) + 1) {
        i++;
      }
      ranges.append(ranges.length() == 0 ? "" : ",").append(first);
      if (sorted.get(i) != first) {
        ranges.append('-').append(sorted.get(i));
      }
    }
    return ranges.toString();
  }

  private synchronized void restart() {
    closeClients();
    RUNNING.remove(cluster);
    cluster = cluster.restart();
    RUNNING.add(cluster);
    builtShape = shape(view());
  }

  private RedisURI uri(int port) {
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withTimeout(COMMAND_TIMEOUT)
        .build();
  }

  private synchronized void closeClients() {
    connections.values().forEach(StatefulRedisConnection::close);
    connections.clear();
    if (clusterConnection != null) {
      clusterConnection.close();
      clusterConnection = null;
    }
    if (clusterClient != null) {
      clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      clusterClient = null;
    }
  }

  /** Settings for a {@link RedisClusterExtension}. */
  public static final class Builder {
    private int masters = 3;
    private int replicasPerMaster = 1;
    private Duration nodeTimeout = Duration.ofMillis(1000);

    private Builder() {}

    /** How many masters share the slots; 3 unless set. */
    public Builder masters(int masters) {
      this.masters = masters;
      return this;
    }

    /** How many replicas each master gets; 1 unless set. */
    public Builder replicasPerMaster(int replicasPerMaster) {
      this.replicasPerMaster = replicasPerMaster;
      return this;
    }

    /**
     * The {@code cluster-node-timeout}: how long a node may be unreachable before it is failed
     * over; 1000 ms unless set.
     */
    public Builder nodeTimeout(Duration nodeTimeout) {
      this.nodeTimeout = Objects.requireNonNull(nodeTimeout);
      return this;
    }

    public RedisClusterExtension build() {
      return new RedisClusterExtension(this);
    }
  }
}
