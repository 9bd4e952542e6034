package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisClusterExtension;
import io.lettuce.core.MigrateArgs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Topology changes under reads: a resharded slot, a graceful failover and a killed master. After
 * each, a value written (and acknowledged) is never answered older by a read that started after the
 * acknowledgement, and the proxy answers again within the cluster's node timeout plus 2 s. The
 * cluster extension rebuilds the cluster before each test when the one before changed it.
 */
class ClusterFailoverIT {
  private static final int WRITES = 30;

  /** How soon after the cluster promotes a replica the proxy must answer from it. */
  private static final Duration PROXY_SHARE = Duration.ofSeconds(1);

  @RegisterExtension
  @Order(1)
  static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(cluster).build();

  private static final ProxyClient http = proxy.http();

  /**
   * The cluster extension may have just restarted the whole cluster (an outage the proxy rightly
   * answers 503 for): each test starts once the proxy reaches every shard again.
   */
  @BeforeEach
  void proxyReachesEveryShard() {
    proxy.awaitBackendReady();
    // That reached one shard; a restart can leave another master's slots unknown to the proxy a
    // moment longer ("Cannot determine a partition for slot"), so ask for a key of each master.
    for (int master : cluster.currentMasterPorts()) {
      String key = cluster.keyOwnedBy(master, "ready:");
      Polling.until(
          Duration.ofSeconds(10),
          "an answer other than 503 for " + key + " (a key of the master on port " + master + ")",
          () -> http.get("/" + key).statusCode(),
          status -> status != 503);
    }
  }

  /**
   * Writes 1..WRITES to {@code key} through the cluster; after each acknowledgement, a read through
   * the proxy must answer that value (reads after an acknowledged write never see an older one).
   */
  private static void noReadIsOlderThanTheLastAcknowledgedWrite(String key) {
    for (int i = 1; i <= WRITES; i++) {
      cluster.cluster().set(key, Integer.toString(i));
      String expected = Integer.toString(i);
      // A value written after a topology change may reach the proxy a moment later (the former
      // node's invalidation, or the refresh): poll briefly, but an older value must never be the
      // last word.
      String answered =
          Polling.until(
              Duration.ofMillis(200),
              key + " = " + expected,
              () -> body(http.get("/" + key)),
              expected::equals);
      assertEquals(expected, answered);
    }
  }

  private static String body(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** Reads {@code key} in a loop until stopped; records the status of each answer. */
  private static final class Reader implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<long[]> answers = new ArrayList<>(); // {nanoTime, status}
    private final Set<String> failures = ConcurrentHashMap.newKeySet(); // what failed reads said
    private final Thread thread;

    Reader(String key) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  int status;
                  try {
                    HttpResponse<byte[]> response = http.get("/" + key);
                    status = response.statusCode();
                    if (status != 200) {
                      failures.add(status + " " + body(response));
                    }
                  } catch (RuntimeException e) {
                    status = -1;
                    failures.add(e.toString());
                  }
                  synchronized (answers) {
                    answers.add(new long[] {System.nanoTime(), status});
                  }
                }
              },
              "reader");
      thread.start();
    }

    /**
     * From the first failed answer to the first successful one after it, in ms; 0 if none failed.
     */
    /** From {@code sinceNanos} to the first successful answer after a failed one, in ms. */
    long recoveredMillisAfter(long sinceNanos) {
      synchronized (answers) {
        boolean failed = false;
        for (long[] answer : answers) {
          if (answer[0] < sinceNanos) {
            continue;
          }
          if (answer[1] != 200) {
            failed = true;
          } else if (failed) {
            return (answer[0] - sinceNanos) / 1_000_000;
          }
        }
        return failed ? Long.MAX_VALUE : 0;
      }
    }

    long gapMillis() {
      synchronized (answers) {
        Long failed = null;
        for (long[] answer : answers) {
          if (answer[1] != 200 && failed == null) {
            failed = answer[0];
          } else if (answer[1] == 200 && failed != null) {
            return (answer[0] - failed) / 1_000_000;
          }
        }
        return failed == null ? 0 : Long.MAX_VALUE;
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  /**
   * A slot moved to another master under reads: the reads keep answering, and values written after
   * the move are never answered stale.
   */
  @Test
  void aReshardedSlotIsNeverServedStale() throws Exception {
    List<Integer> masters = cluster.currentMasterPorts();
    String key = cluster.keyOwnedBy(masters.get(0), "moving:");
    cluster.cluster().set(key, "0");
    assertEquals("0", body(http.get("/" + key)));
    try (Reader reader = new Reader(key)) {
      cluster.migrateSlot(RedisClusterExtension.slotOf(key), masters.get(0), masters.get(1));
      assertEquals(masters.get(1), cluster.masterPortFor(key));
      noReadIsOlderThanTheLastAcknowledgedWrite(key);
      reader.close();
      assertEquals(0, reader.gapMillis(), "no read failed during the move: " + reader.failures);
    }
  }

  /**
   * CLUSTER FAILOVER on a replica under reads: no read fails for longer than the node timeout plus
   * 2 s, and after the promotion no read is older than the new master's last acknowledged write.
   */
  @Test
  void aGracefulFailoverServesNoStaleValue() throws Exception {
    String key = "failover:graceful";
    cluster.cluster().set(key, "0");
    assertEquals("0", body(http.get("/" + key)));
    int replica = cluster.replicaPortFor(key);
    try (Reader reader = new Reader(key)) {
      cluster.failover(replica);
      assertEquals(replica, cluster.masterPortFor(key));
      noReadIsOlderThanTheLastAcknowledgedWrite(key);
      reader.close();
      assertTrue(
          reader.gapMillis() <= cluster.nodeTimeout().toMillis() + 2_000,
          "longest outage " + reader.gapMillis() + " ms");
    }
  }

  /**
   * A master killed with SIGKILL: the proxy answers again within 1 s of the cluster promoting its
   * replica, and no value older than the new master's last acknowledged write is served.
   */
  @Test
  void aKilledMasterIsReplacedWithoutStaleReads() throws Exception {
    String key = "failover:forced";
    cluster.cluster().set(key, "0");
    cluster.waitForReplicas();
    assertEquals("0", body(http.get("/" + key)));
    int master = cluster.masterPortFor(key);
    int replica = cluster.replicaPortFor(key);
    try (Reader reader = new Reader(key)) {
      long killed = System.nanoTime();
      cluster.killNode(master);
      cluster.awaitPromoted(replica);
      long promotedMillis = (System.nanoTime() - killed) / 1_000_000;
      Polling.until(
          Duration.ofSeconds(5),
          "a read served after the promotion",
          () -> http.get("/" + key).statusCode(),
          status -> status == 200);
      reader.close();
      long servedMillis = reader.recoveredMillisAfter(killed);
      String timeline =
          "killed → promoted (as every node sees it) "
              + promotedMillis
              + " ms, killed → served again "
              + servedMillis
              + " ms, outage "
              + reader.gapMillis()
              + " ms";
      System.out.println(timeline);
      // How long the cluster takes to promote is Redis' own election (the node timeout, the
      // failure reports' gossip, 0.5-1 s of election delay): the proxy's share is what follows.
      assertTrue(servedMillis <= promotedMillis + PROXY_SHARE.toMillis(), timeline);
    }
    noReadIsOlderThanTheLastAcknowledgedWrite(key);
  }

  /**
   * Mid-migration, a key already moved to the importing node is answered through an ASK redirect:
   * the proxy reads it there (ASKING, then GET) and caches nothing it read that way, since the slot
   * is not the importing node's yet.
   */
  @Test
  void aKeyMidMigrationIsReadFromTheImportingNodeAndNotCached() {
    List<Integer> masters = cluster.currentMasterPorts();
    int from = masters.get(0);
    int to = masters.get(1);
    String key = cluster.keyOwnedBy(from, "asked:");
    int slot = RedisClusterExtension.slotOf(key);
    cluster.cluster().set(key, "moved");
    String fromId = cluster.commands(from).clusterMyId();
    String toId = cluster.commands(to).clusterMyId();
    cluster.commands(to).clusterSetSlotImporting(slot, fromId);
    cluster.commands(from).clusterSetSlotMigrating(slot, toId);
    cluster.commands(from).migrate("127.0.0.1", to, 0, 5_000, MigrateArgs.Builder.keys(key));
    long getsBefore = cluster.getCalls(to);

    HttpResponse<byte[]> first = http.get("/" + key);
    HttpResponse<byte[]> second = http.get("/" + key);

    assertEquals("moved", body(first));
    assertEquals("moved", body(second));
    assertEquals(Optional.of("MISS"), ProxyClient.xCache(second), "an ASK reply is not cached");
    assertEquals(getsBefore + 2, cluster.getCalls(to), "both reads asked the importing node");
    for (int master : masters) {
      cluster.commands(master).clusterSetSlotNode(slot, toId);
    }
    cluster.awaitClusterOk();
  }

  /**
   * A master that joins after start-up and takes over a slot: the proxy connects to it with
   * tracking on before it caches any of its keys, so a later write there reaches the proxy.
   */
  @Test
  void aMasterAddedAfterStartUpIsTrackedBeforeItsKeysAreCached() {
    int added = cluster.addMaster();
    int from = cluster.currentMasterPorts().get(0);
    String key = cluster.keyOwnedBy(from, "joined:");
    cluster.cluster().set(key, "1");
    cluster.migrateSlot(RedisClusterExtension.slotOf(key), from, added);

    String answered =
        Polling.until(
            Duration.ofSeconds(5),
            key + " read from the new master",
            () -> {
              HttpResponse<byte[]> response = http.get("/" + key);
              return response.statusCode() + " " + body(response);
            },
            "200 1"::equals);
    assertEquals("200 1", answered);
    Polling.until(
        Duration.ofSeconds(5),
        key + " cached",
        () -> ProxyClient.xCache(http.get("/" + key)),
        Optional.of("HIT")::equals);
    assertTrue(
        cluster.commands(added).clientList().lines().anyMatch(ClusterFailoverIT::isTrackedProxy),
        "a proxy connection with tracking on the new master");
    cluster.commands(added).set(key, "2");
    Polling.until(
        Duration.ofMillis(500), key + " = 2", () -> body(http.get("/" + key)), "2"::equals);
  }

  private static boolean isTrackedProxy(String clientListLine) {
    return clientListLine.contains(" name=redis-proxy ")
        && clientListLine.matches(".* flags=[A-Za-z]*t[A-Za-z]* .*");
  }
}
