package io.github.redisproxy.backend.embedded;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis Cluster on loopback: {@code masters × (1 + replicasPerMaster)} {@link
 * RedisServerProcess redis-servers}, each with {@code cluster-enabled yes} in its own temporary
 * working directory, joined into one cluster with the 16384 slots split evenly over the masters (as
 * {@code redis-cli --cluster create} splits them).
 *
 * <p>The cluster is built without redis-cli, through the cluster commands themselves: {@code
 * CLUSTER ADDSLOTS} in chunks (Redis 6.2 has no {@code ADDSLOTSRANGE}), {@code CLUSTER
 * SET-CONFIG-EPOCH} (distinct epochs, so the nodes need not resolve a collision first), {@code
 * CLUSTER MEET} from the first node to every other, then {@code CLUSTER REPLICATE} once every node
 * knows every other. They are sent with Lettuce's synchronous API ({@link RedisClient}, {@link
 * StringCodec}), because Lettuce is already the project's Redis client: its {@link
 * ClusterPartitionParser} reads {@code CLUSTER NODES} the way the proxy's cluster client will, so
 * "every node knows the topology" is judged by the same parser that will consume it. The client
 * lives only while the cluster is being built (or grown, by {@link #addNode()}).
 *
 * <p>Blocking by nature (it starts processes and waits for them to agree): call it from {@code
 * main} or a test, never from an event loop. Closing it stops every node it started; a JVM shutdown
 * hook closes it if the owner does not, so that no redis-server outlives the JVM (short of a
 * SIGKILL of the JVM itself).
 */
public final class RedisClusterProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisClusterProcess.class);
  private static final int SLOTS = 16384;
  private static final int ADDSLOTS_CHUNK = 2048;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration FORMATION_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The cluster bus listens on port + 10000 (Redis 6.2 has no {@code cluster-port}), so a node's
   * port and its bus port are both taken below Linux's ephemeral range (32768 and up), where no
   * outgoing connection can hold them: ports in [{@value}, {@value #LAST_PORT}], buses in [20000,
   * 32767].
   */
  private static final int FIRST_PORT = 10000;

  private static final int LAST_PORT = 22767;
  private static final int BUS_OFFSET = 10000;
  private static final int START_ATTEMPTS = 5;

  private final int masterCount;
  private final int replicasPerMaster;
  private final Duration nodeTimeout;
  private final Map<Integer, RedisServerProcess> nodes; // guarded by this; in start order
  private final List<Integer> masterPorts;
  private final List<Integer> replicaPorts;
  private final Thread shutdownHook;
  private boolean closed; // guarded by this

  private RedisClusterProcess(
      int masterCount,
      int replicasPerMaster,
      Duration nodeTimeout,
      Map<Integer, RedisServerProcess> nodes) {
    this.masterCount = masterCount;
    this.replicasPerMaster = replicasPerMaster;
    this.nodeTimeout = nodeTimeout;
    this.nodes = nodes;
    List<Integer> ports = List.copyOf(nodes.keySet());
    this.masterPorts = ports.subList(0, masterCount);
    this.replicaPorts = ports.subList(masterCount, ports.size());
    this.shutdownHook = new Thread(this::close, "stop-redis-cluster");
  }

  /**
   * Starts {@code masters × (1 + replicasPerMaster)} redis-servers on free loopback ports and
   * builds a cluster of them. Returns once every node reports {@code cluster_state:ok}, every node
   * knows every other with the intended roles, and every replica reports {@code
   * master_link_status:up}.
   *
   * @param masters how many masters share the 16384 slots, at least 1
   * @param replicasPerMaster how many replicas each master gets, at least 0
   * @param nodeTimeout the {@code cluster-node-timeout}: how long a node may be unreachable before
   *     it is failed over
   * @throws IllegalStateException if a node does not start or the cluster does not form within 30
   *     s; the nodes already started are stopped first
   */
  public static RedisClusterProcess start(
      int masters, int replicasPerMaster, Duration nodeTimeout) {
    return start(masters, replicasPerMaster, nodeTimeout, List.of());
  }

  private static RedisClusterProcess start(
      int masters, int replicasPerMaster, Duration nodeTimeout, List<Integer> wantedPorts) {
    if (masters < 1 || replicasPerMaster < 0) {
      throw new IllegalArgumentException(
          "a cluster needs at least 1 master and 0 or more replicas per master, not "
              + masters
              + " and "
              + replicasPerMaster);
    }
    long started = System.nanoTime();
    int size = masters * (1 + replicasPerMaster);
    Map<Integer, RedisServerProcess> nodes = new LinkedHashMap<>();
    try {
      for (int i = 0; i < size; i++) {
        RedisServerProcess node =
            i < wantedPorts.size()
                ? startNode(wantedPorts.get(i), nodeTimeout)
                : startNodeOnFreePort(nodeTimeout);
        nodes.put(node.port(), node);
      }
      RedisClusterProcess cluster =
          new RedisClusterProcess(masters, replicasPerMaster, nodeTimeout, nodes);
      Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
      try {
        cluster.form();
      } catch (RuntimeException | Error e) {
        cluster.close();
        throw e;
      }
      log.info(
          "Redis Cluster up in {} ms (cluster-node-timeout {} ms): {}",
          Duration.ofNanos(System.nanoTime() - started).toMillis(),
          nodeTimeout.toMillis(),
          cluster.describe());
      return cluster;
    } catch (RuntimeException | Error e) {
      nodes.values().forEach(RedisServerProcess::close);
      throw e;
    }
  }

  /**
   * Stops this cluster and starts a fresh one of the same shape on the same ports, as {@link
   * #start} does: no keys, the original roles, any node added by {@link #addNode()} gone. Clients
   * that knew the old cluster find the new one at the same addresses (with new node ids).
   */
  public RedisClusterProcess restart() {
    List<Integer> ports = new ArrayList<>(masterPorts);
    ports.addAll(replicaPorts);
    close();
    return start(masterCount, replicasPerMaster, nodeTimeout, ports);
  }

  /** The nodes started as masters, in slot order (the first owns slot 0). */
  public List<Integer> masterPorts() {
    return masterPorts;
  }

  /**
   * The nodes started as replicas: the {@code i}-th replicates master {@code i % masters} (so with
   * one replica per master, replica {@code i} belongs to master {@code i}).
   */
  public List<Integer> replicaPorts() {
    return replicaPorts;
  }

  /**
   * Every node's port: masters, then replicas, then nodes added by {@link #addNode()}, including
   * nodes that were {@link #kill killed}.
   */
  public synchronized List<Integer> ports() {
    return List.copyOf(nodes.keySet());
  }

  /** The {@code cluster-node-timeout} every node runs with. */
  public Duration nodeTimeout() {
    return nodeTimeout;
  }

  /** The process of the node on {@code port}, started by this cluster. */
  public synchronized RedisServerProcess node(int port) {
    RedisServerProcess node = nodes.get(port);
    if (node == null) {
      throw new IllegalArgumentException("no node of this cluster on port " + port);
    }
    return node;
  }

  /**
   * Kills the node on {@code port} with SIGKILL (see {@link RedisServerProcess#kill()}); the
   * cluster fails it over after the node timeout if it was a master with a replica.
   */
  public void kill(int port) {
    node(port).kill();
  }

  /**
   * Starts one more node with the same settings, empty (a master without slots), {@code CLUSTER
   * MEET}s it from a live node and returns its port once every live node knows it and it reports
   * {@code cluster_state:ok} (a new master waits 2 s before it does). Moving slots to it is up to
   * the caller; {@link #close()} stops it with the others.
   */
  public int addNode() {
    RedisServerProcess node;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the cluster is closed");
      }
      node = startNodeOnFreePort(nodeTimeout);
      nodes.put(node.port(), node);
    }
    try (Session session = new Session()) {
      int introducer = liveNodes().stream().filter(p -> p != node.port()).findFirst().orElseThrow();
      session.commands(introducer).clusterMeet("127.0.0.1", node.port());
      List<Integer> live = liveNodes();
      session.await(
          "every node to know the new node 127.0.0.1:" + node.port(),
          () -> {
            for (int port : live) {
              Partitions view = session.view(port);
              if (view.size() != live.size() || !allSettled(view)) {
                return "127.0.0.1:" + port + " knows " + view.size() + " settled? " + view;
              }
            }
            return null;
          });
      // A master that has just started reports cluster_state:fail for its first 2 s
      // (CLUSTER_WRITABLE_DELAY), whatever it knows: it would answer CLUSTERDOWN.
      session.await(
          "cluster_state:ok on the new node 127.0.0.1:" + node.port(),
          () ->
              session.commands(node.port()).clusterInfo().contains("cluster_state:ok")
                  ? null
                  : "not yet");
    }
    log.info("Added node 127.0.0.1:{} to the Redis Cluster", node.port());
    return node.port();
  }

  /**
   * Stops every node (SIGTERM, then SIGKILL after a grace period) and deletes their working
   * directories. Idempotent.
   */
  @Override
  public synchronized void close() {
    // Synchronized as a whole: the JVM runs shutdown hooks at once, so this may be running in its
    // own hook when the proxy's hook calls it too; the second caller waits until the nodes are
    // stopped and their directories deleted, rather than returning while that is under way (after
    // which the proxy halts the JVM).
    if (closed) {
      return;
    }
    closed = true;
    List<RedisServerProcess> stopping = new ArrayList<>(nodes.values());
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this is the hook running
    }
    // Stop them all at once rather than one after another, then wait for each.
    stopping.forEach(RedisServerProcess::requestStop);
    stopping.forEach(RedisServerProcess::close);
  }

  private synchronized List<Integer> liveNodes() {
    return nodes.values().stream()
        .filter(RedisServerProcess::isAlive)
        .map(RedisServerProcess::port)
        .toList();
  }

  /** Assigns slots and epochs, meets, replicates, and waits until the cluster has settled. */
  private void form() {
    List<Integer> ports = ports();
    try (Session session = new Session()) {
      Map<Integer, String> ids = new LinkedHashMap<>();
      for (int port : ports) {
        ids.put(port, session.commands(port).clusterMyId());
      }
      for (int i = 0; i < masterCount; i++) {
        RedisCommands<String, String> master = session.commands(masterPorts.get(i));
        int[] range = slotRange(i, masterCount);
        for (int first = range[0]; first <= range[1]; first += ADDSLOTS_CHUNK) {
          int last = Math.min(range[1], first + ADDSLOTS_CHUNK - 1);
          master.clusterAddSlots(IntStream.rangeClosed(first, last).toArray());
        }
      }
      for (int i = 0; i < ports.size(); i++) {
        session.commands(ports.get(i)).clusterSetConfigEpoch(i + 1L);
      }
      RedisCommands<String, String> first = session.commands(ports.get(0));
      for (int port : ports.subList(1, ports.size())) {
        first.clusterMeet("127.0.0.1", port);
      }
      session.await(
          "every node to know every other",
          () -> {
            for (int port : ports) {
              Partitions view = session.view(port);
              if (view.size() != ports.size() || !allSettled(view)) {
                return "127.0.0.1:" + port + " sees " + view;
              }
            }
            return null;
          });
      for (int i = 0; i < replicaPorts.size(); i++) {
        String masterId = ids.get(masterPorts.get(i % masterCount));
        session.commands(replicaPorts.get(i)).clusterReplicate(masterId);
      }
      session.await(
          "cluster_state:ok, the intended roles on every node and every replica's link up",
          () -> {
            for (int port : ports) {
              String info = session.commands(port).clusterInfo();
              if (!info.contains("cluster_state:ok")) {
                return "127.0.0.1:" + port + " is not cluster_state:ok";
              }
              Partitions view = session.view(port);
              for (int i = 0; i < replicaPorts.size(); i++) {
                RedisClusterNode replica = view.getPartitionByNodeId(ids.get(replicaPorts.get(i)));
                String masterId = ids.get(masterPorts.get(i % masterCount));
                if (replica == null || !masterId.equals(replica.getSlaveOf())) {
                  return "127.0.0.1:"
                      + port
                      + " does not see 127.0.0.1:"
                      + replicaPorts.get(i)
                      + " as a replica yet";
                }
              }
            }
            for (int port : replicaPorts) {
              String replication = session.commands(port).info("replication");
              if (!replication.contains("master_link_status:up")) {
                return "127.0.0.1:" + port + " has no master link yet";
              }
            }
            return null;
          });
    }
  }

  private String describe() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < masterCount; i++) {
      int[] range = slotRange(i, masterCount);
      if (i > 0) {
        text.append("; ");
      }
      text.append("master 127.0.0.1:")
          .append(masterPorts.get(i))
          .append(" slots ")
          .append(range[0])
          .append('-')
          .append(range[1]);
      List<String> replicas = new ArrayList<>();
      for (int r = i; r < replicaPorts.size(); r += masterCount) {
        replicas.add("127.0.0.1:" + replicaPorts.get(r));
      }
      if (!replicas.isEmpty()) {
        text.append(" replicas ").append(String.join(",", replicas));
      }
    }
    return text.toString();
  }

  /**
   * The first and last slot of master {@code index} of {@code masters}: redis-cli's split (the
   * cursor advances by 16384 / masters, the last slot rounded to the nearest), so that 3 masters
   * get 0-5460, 5461-10922 and 10923-16383.
   */
  static int[] slotRange(int index, int masters) {
    double perMaster = (double) SLOTS / masters;
    int first = index == 0 ? 0 : (int) Math.round(index * perMaster - 1) + 1;
    int last = index == masters - 1 ? SLOTS - 1 : (int) Math.round((index + 1) * perMaster - 1);
    return new int[] {first, Math.max(first, last)};
  }

  private static boolean allSettled(Partitions view) {
    Set<NodeFlag> unsettled =
        EnumSet.of(NodeFlag.HANDSHAKE, NodeFlag.NOADDR, NodeFlag.FAIL, NodeFlag.EVENTUAL_FAIL);
    for (RedisClusterNode node : view) {
      if (!Collections.disjoint(node.getFlags(), unsettled) || !node.isConnected()) {
        return false;
      }
    }
    return true;
  }

  private static List<String> clusterArgs(Duration nodeTimeout) {
    return List.of(
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        Long.toString(nodeTimeout.toMillis()));
  }

  private static RedisServerProcess startNode(int port, Duration nodeTimeout) {
    return RedisServerProcess.start(port, clusterArgs(nodeTimeout));
  }

  /**
   * A node on a port whose bus port is free too; another attempt on other ports when one was taken
   * between the check and redis-server's bind.
   */
  private static RedisServerProcess startNodeOnFreePort(Duration nodeTimeout) {
    IllegalStateException failure = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return startNode(freeNodePort(), nodeTimeout);
      } catch (IllegalStateException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  private static int freeNodePort() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(FIRST_PORT, LAST_PORT + 1);
      if (isFree(port) && isFree(port + BUS_OFFSET)) {
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port pair (port, port + 10000) in " + FIRST_PORT + "-" + LAST_PORT);
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return socket.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  /** A short-lived Lettuce client with one synchronous connection per node. */
  private static final class Session implements AutoCloseable {
    private final RedisClient client = RedisClient.create();
    private final Map<Integer, StatefulRedisConnection<String, String>> connections =
        new LinkedHashMap<>();

    RedisCommands<String, String> commands(int port) {
      return connections
          .computeIfAbsent(
              port,
              p ->
                  client.connect(
                      StringCodec.UTF8,
                      RedisURI.builder()
                          .withHost("127.0.0.1")
                          .withPort(p)
                          .withTimeout(COMMAND_TIMEOUT)
                          .build()))
          .sync();
    }

    /** The cluster as the node on {@code port} sees it. */
    Partitions view(int port) {
      return ClusterPartitionParser.parse(commands(port).clusterNodes());
    }

    /**
     * Polls {@code check} (null when satisfied, else what is still missing) until it is satisfied.
     */
    void await(String what, Supplier<String> check) {
      long deadline = System.nanoTime() + FORMATION_TIMEOUT.toNanos();
      String missing;
      while ((missing = check.get()) != null) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "the Redis Cluster did not settle within "
                  + FORMATION_TIMEOUT
                  + " waiting for "
                  + what
                  + ": "
                  + missing);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while forming the Redis Cluster", e);
        }
      }
    }

    @Override
    public void close() {
      connections.values().forEach(StatefulRedisConnection::close);
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
