package io.github.redisproxy.testing;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Sentinel-managed Redis for the tests of one class: one master, one replica ({@code
 * REPLICAOF}) and three sentinels (quorum 2, {@code down-after-milliseconds} 1000, {@code
 * failover-timeout} 5000) that monitor it as {@value #MASTER_NAME}, all on loopback from the same
 * redis-server binary ({@link RedisServerProcess#startSentinel}).
 *
 * <p>Register it on a static field, first ({@code @Order(1)}) when a proxy reads from it:
 *
 * <pre>{@code
 * @RegisterExtension @Order(1)
 * static final RedisSentinelExtension redis = new RedisSentinelExtension();
 * }</pre>
 *
 * <p>Lifecycle:
 *
 * <ul>
 *   <li>before all tests of the class: starts the master, the replica (returns once its link is up)
 *       and the sentinels, and waits until every sentinel knows the replica and the other two
 *       sentinels (sentinels find each other through hello messages every 2 s, so this takes about
 *       2 s), so that a failover can start at once;
 *   <li>before each test: the roles may have swapped in an earlier test ({@link #failover()}); that
 *       is a healthy state and is kept. What is restored is one master and one replica of it: if
 *       the old master still claims to be a master (the sentinels would turn it into a replica only
 *       about 8 s after the switch), it is sent {@code REPLICAOF} the current master, and the
 *       replica's link is awaited. Then {@code FLUSHALL} on the master with {@code WAIT} for the
 *       replica, every {@linkplain #addFlushBarrier flush barrier}, and {@code CONFIG RESETSTAT} on
 *       both data nodes (a sentinel has no {@code CONFIG}), so that every test starts with no keys
 *       and {@link #getCalls} at 0. {@link #masterPort()} may differ from one test to the next;
 *   <li>after all tests of the class: closes the clients and stops the sentinels, then the data
 *       nodes (a JVM shutdown hook stops what an aborted run left).
 * </ul>
 */
public final class RedisSentinelExtension
    implements RedisUnderTest, BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  /** The name the sentinels monitor the master under. */
  public static final String MASTER_NAME = "mymaster";

  private static final int SENTINELS = 3;
  private static final Pattern GET_CALLS =
      Pattern.compile("^cmdstat_get:calls=(\\d+),", Pattern.MULTILINE);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Processes not stopped yet; stopped when the test JVM exits, so that an aborted run leaves none
   * behind.
   */
  private static final Set<RedisServerProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> RUNNING.forEach(RedisServerProcess::close), "stop-leftover-redis-sentinels"));
  }

  private final List<Runnable> flushBarriers = new CopyOnWriteArrayList<>();
  private final List<RedisServerProcess> dataNodes = new ArrayList<>(); // guarded by this
  private final List<RedisServerProcess> sentinels = new ArrayList<>(); // guarded by this
  private RedisClient client; // guarded by this
  private final Map<Integer, StatefulRedisConnection<String, String>> connections =
      new HashMap<>(); // guarded by this
  private final Map<Integer, StatefulRedisSentinelConnection<String, String>> sentinelConnections =
      new HashMap<>(); // guarded by this

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (!dataNodes.isEmpty()) {
      return;
    }
    client = RedisClient.create();
    RedisServerProcess master = started(RedisServerProcess.start(), dataNodes);
    int masterPort = master.port();
    RedisServerProcess replica =
        started(
            RedisServerProcess.start(
                RedisServerProcess.freePort(),
                List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort))),
            dataNodes);
    awaitReplicaLinkUp(replica.port(), masterPort);
    for (int i = 0; i < SENTINELS; i++) {
      started(
          RedisServerProcess.startSentinel(
              RedisServerProcess.freePort(),
              List.of(
                  "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
                  "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                  "sentinel failover-timeout " + MASTER_NAME + " 5000")),
          sentinels);
    }
    for (int sentinel : sentinelPorts()) {
      Polling.until(
          SETTLE_TIMEOUT,
          "sentinel 127.0.0.1:" + sentinel + " to know the replica and the other sentinels",
          () -> sentinel(sentinel).master(MASTER_NAME),
          state ->
              "1".equals(state.get("num-slaves"))
                  && Integer.toString(SENTINELS - 1).equals(state.get("num-other-sentinels")));
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    connections.values().forEach(StatefulRedisConnection::close);
    connections.clear();
    sentinelConnections.values().forEach(StatefulRedisSentinelConnection::close);
    sentinelConnections.clear();
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      client = null;
    }
    // The sentinels first, so that they do not fail over a master that is merely stopping.
    for (List<RedisServerProcess> processes : List.of(sentinels, dataNodes)) {
      for (RedisServerProcess process : processes) {
        process.close();
        RUNNING.remove(process);
      }
      processes.clear();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    synchronized (this) {
      if (dataNodes.isEmpty()) {
        return;
      }
    }
    int master = restoreOneMasterOneReplica();
    RedisCommands<String, String> commands = commands(master);
    commands.flushall();
    commands.waitForReplication(1, SETTLE_TIMEOUT.toMillis());
    flushBarriers.forEach(Runnable::run);
    for (int port : dataPorts()) {
      commands(port).configResetstat();
    }
  }

  /**
   * Runs {@code barrier} after the {@code FLUSHALL} before each test, before the test starts: it
   * returns once whatever holds state read from this Redis (a proxy's cache) has handled the flush.
   */
  public void addFlushBarrier(Runnable barrier) {
    flushBarriers.add(barrier);
  }

  /** Stops running {@code barrier}: what it waits for has gone. */
  public void removeFlushBarrier(Runnable barrier) {
    flushBarriers.remove(barrier);
  }

  /**
   * {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#mymaster}: the sentinels, in the
   * form REDIS_ADDRESS takes (Lettuce's syntax).
   */
  @Override
  public synchronized boolean isRunning() {
    return !sentinels.isEmpty();
  }

  @Override
  public String address() {
    return sentinelPorts().stream()
        .map(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(",", "redis-sentinel://", "#" + MASTER_NAME));
  }

  /** The sentinels' ports. */
  public synchronized List<Integer> sentinelPorts() {
    return sentinels.stream().map(RedisServerProcess::port).toList();
  }

  /** The ports of the two data nodes (master and replica, in start order). */
  public synchronized List<Integer> dataPorts() {
    return dataNodes.stream().map(RedisServerProcess::port).toList();
  }

  /** The master's port, as the first sentinel answers {@code SENTINEL GET-MASTER-ADDR-BY-NAME}. */
  public int masterPort() {
    return masterPortSeenBy(sentinelPorts().get(0));
  }

  /** The replica's port: the data node that is not {@link #masterPort()}. */
  public int replicaPort() {
    int master = masterPort();
    return dataPorts().stream().filter(port -> port != master).findFirst().orElseThrow();
  }

  /**
   * Commands on the data node at {@code port}, over a connection opened on first use and kept for
   * the class.
   */
  public synchronized RedisCommands<String, String> commands(int port) {
    StatefulRedisConnection<String, String> connection = connections.get(port);
    if (connection == null || !connection.isOpen()) {
      connection = client().connect(StringCodec.UTF8, uri(port));
      connections.put(port, connection);
    }
    return connection.sync();
  }

  /** Sentinel commands on the sentinel at {@code port}. */
  public synchronized RedisSentinelCommands<String, String> sentinel(int port) {
    StatefulRedisSentinelConnection<String, String> connection = sentinelConnections.get(port);
    if (connection == null || !connection.isOpen()) {
      connection = client().connectSentinel(StringCodec.UTF8, uri(port));
      sentinelConnections.put(port, connection);
    }
    return connection.sync();
  }

  /**
   * How many {@code GET} commands the data node at {@code port} has executed since the last {@code
   * CONFIG RESETSTAT}.
   */
  public long getCalls(int port) {
    Matcher calls = GET_CALLS.matcher(commands(port).info("commandstats"));
    return calls.find() ? Long.parseLong(calls.group(1)) : 0;
  }

  /**
   * {@code SENTINEL FAILOVER mymaster} (sent again while the sentinel answers that no replica is
   * suitable yet, or that a failover is in progress), then waits until every sentinel names the new
   * master and the new master's {@code INFO replication} says {@code role:master}. Returns the new
   * master's port. The old master may still claim to be a master for a few seconds after (the
   * sentinels convert it later); the next test's set-up does not wait for them.
   */
  public int failover() {
    int sentinel = sentinelPorts().get(0);
    int oldMaster = masterPortSeenBy(sentinel);
    Polling.until(
        SETTLE_TIMEOUT,
        "sentinel 127.0.0.1:" + sentinel + " to accept SENTINEL FAILOVER " + MASTER_NAME,
        () -> {
          try {
            return sentinel(sentinel).failover(MASTER_NAME);
          } catch (RedisCommandExecutionException e) {
            return e.getMessage(); // NOGOODSLAVE, INPROG: not yet
          }
        },
        "OK"::equals);
    int newMaster =
        Polling.until(
            SETTLE_TIMEOUT,
            "sentinel 127.0.0.1:" + sentinel + " to name a master other than " + oldMaster,
            () -> masterPortSeenBy(sentinel),
            port -> port != oldMaster);
    for (int other : sentinelPorts()) {
      Polling.until(
          SETTLE_TIMEOUT,
          "sentinel 127.0.0.1:" + other + " to name 127.0.0.1:" + newMaster + " as master",
          () -> masterPortSeenBy(other),
          port -> port == newMaster);
    }
    Polling.until(
        SETTLE_TIMEOUT,
        "127.0.0.1:" + newMaster + " to report role:master",
        () -> commands(newMaster).info("replication"),
        info -> info.contains("role:master"));
    return newMaster;
  }

  private int masterPortSeenBy(int sentinel) {
    return ((InetSocketAddress) sentinel(sentinel).getMasterAddrByName(MASTER_NAME)).getPort();
  }

  /**
   * Waits until all sentinels agree on the master, makes the other data node its replica if it is
   * not, waits for the replica's link, and returns the master's port.
   */
  private int restoreOneMasterOneReplica() {
    int first = sentinelPorts().get(0);
    int master =
        Polling.until(
            SETTLE_TIMEOUT,
            "every sentinel to name the same master",
            () -> masterPortSeenBy(first),
            port -> sentinelPorts().stream().allMatch(s -> masterPortSeenBy(s) == port));
    int replica = dataPorts().stream().filter(port -> port != master).findFirst().orElseThrow();
    String replication = commands(replica).info("replication");
    if (!replication.contains("role:slave")
        || !replication.contains("master_port:" + master + "\r\n")) {
      commands(replica).replicaof("127.0.0.1", master);
    }
    awaitReplicaLinkUp(replica, master);
    return master;
  }

  private void awaitReplicaLinkUp(int replica, int master) {
    Polling.until(
        SETTLE_TIMEOUT,
        "127.0.0.1:" + replica + " to be a replica of 127.0.0.1:" + master + " with its link up",
        () -> commands(replica).info("replication"),
        info ->
            info.contains("role:slave")
                && info.contains("master_port:" + master + "\r\n")
                && info.contains("master_link_status:up"));
  }

  private RedisServerProcess started(RedisServerProcess process, List<RedisServerProcess> group) {
    group.add(process);
    RUNNING.add(process);
    return process;
  }

  private synchronized RedisClient client() {
    if (client == null) {
      throw new IllegalStateException(
          "the Redis sentinel set is used outside the test class it is registered in");
    }
    return client;
  }

  private static RedisURI uri(int port) {
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withTimeout(COMMAND_TIMEOUT)
        .build();
  }
}
