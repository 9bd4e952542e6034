package io.github.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cluster fixture does what the system tests rely on. The tests run in order: the first four
 * change the topology, and the last checks that the set-up before it brought back the cluster as
 * built, empty and with fresh statistics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterExtensionTest {
  @RegisterExtension static final RedisClusterExtension redis = new RedisClusterExtension();

  private static final AtomicInteger FLUSH_BARRIER_RUNS = new AtomicInteger();

  static {
    redis.addFlushBarrier(FLUSH_BARRIER_RUNS::incrementAndGet);
  }

  @Test
  @Order(1)
  void migrateSlotMovesAKeyAndItsOwnershipToAnotherMaster() {
    int from = redis.builtMasterPorts().get(0);
    int to = redis.builtMasterPorts().get(1);
    String key = redis.keyOwnedBy(from, "moving");
    redis.cluster().set(key, "value");

    redis.migrateSlot(RedisClusterExtension.slotOf(key), from, to);

    assertThat(redis.masterPortFor(key)).isEqualTo(to);
    assertThat(redis.commands(to).get(key)).isEqualTo("value");
    assertThat(redis.cluster().get(key)).isEqualTo("value");
  }

  @Test
  @Order(2)
  void failoverPromotesTheReplicaWithTheMastersData() {
    String key = redis.keyOwnedBy(redis.builtMasterPorts().get(0), "promoted");
    int replica = redis.replicaPortFor(key);
    redis.cluster().set(key, "value");
    redis.waitForReplicas();
    redis.commands(replica).readOnly();
    assertThat(redis.commands(replica).get(key)).isEqualTo("value");
    assertThat(redis.getCalls(replica)).isEqualTo(1);

    redis.failover(replica);

    assertThat(redis.masterPortFor(key)).isEqualTo(replica);
    assertThat(redis.cluster().get(key)).isEqualTo("value");
  }

  @Test
  @Order(3)
  void aKilledMastersReplicaIsPromotedAfterTheNodeTimeout() {
    int master = redis.builtMasterPorts().get(2);
    String key = redis.keyOwnedBy(master, "crash");
    int replica = redis.replicaPortFor(key);

    redis.killNode(master);
    redis.awaitPromoted(replica);

    assertThat(redis.masterPortFor(key)).isEqualTo(replica);
    redis.cluster().set(key, "after");
    assertThat(redis.commands(replica).get(key)).isEqualTo("after");
  }

  @Test
  @Order(4)
  void anAddedMasterCanTakeOverASlot() {
    int added = redis.addMaster();
    String key = "joined";
    int from = redis.masterPortFor(key);

    redis.migrateSlot(RedisClusterExtension.slotOf(key), from, added);

    assertThat(redis.masterPortFor(key)).isEqualTo(added);
    redis.cluster().set(key, "value");
    assertThat(redis.commands(added).get(key)).isEqualTo("value");
  }

  @Test
  @Order(5)
  void eachTestStartsWithTheClusterAsBuiltEmptyAndWithFreshStatistics() {
    assertThat(redis.ports()).hasSize(6);
    assertThat(new HashSet<>(redis.currentMasterPorts()))
        .isEqualTo(new HashSet<>(redis.builtMasterPorts()));
    assertThat(redis.address())
        .matches("redis-cluster://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+");
    for (int port : redis.ports()) {
      assertThat(redis.commands(port).dbsize()).as("keys on %d", port).isZero();
      assertThat(redis.getCalls(port)).as("GETs on %d", port).isZero();
      assertThat(redis.commands(port).clusterInfo()).contains("cluster_state:ok");
    }
    assertThat(FLUSH_BARRIER_RUNS).hasValue(5);

    // Writes through the cluster client land on each key's owner; a GET there is counted.
    for (int master : redis.builtMasterPorts()) {
      String key = redis.keyOwnedBy(master, "user");
      redis.cluster().set(key, "value");
      assertThat(redis.commands(master).get(key)).isEqualTo("value");
      assertThat(redis.getCalls(master)).isEqualTo(1);
    }
    assertThat(List.copyOf(redis.builtMasterPorts()))
        .doesNotContainAnyElementsOf(redis.process().replicaPorts());
  }
}
