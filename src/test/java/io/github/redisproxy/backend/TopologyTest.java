package io.github.redisproxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.config.ReadFrom;
import io.github.redisproxy.config.RedisAddress.Node;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a cluster's nodes become routes, and which slots a change of topology touches. */
class TopologyTest {
  private static final Node A = new Node("127.0.0.1", 7000);
  private static final Node B = new Node("127.0.0.1", 7001);
  private static final Node A1 = new Node("127.0.0.1", 7100);
  private static final Node B1 = new Node("127.0.0.1", 7101);

  /** A master of slots [from, to], and a replica of it. */
  private static List<RedisClusterNode> shard(Node master, Node replica, int from, int to) {
    List<Integer> slots = new ArrayList<>();
    for (int slot = from; slot <= to; slot++) {
      slots.add(slot);
    }
    RedisClusterNode m =
        new RedisClusterNode(
            RedisURI.create(master.host(), master.port()),
            "id-" + master.port(),
            true,
            null,
            0,
            0,
            0,
            slots,
            Set.of(RedisClusterNode.NodeFlag.UPSTREAM));
    RedisClusterNode r =
        new RedisClusterNode(
            RedisURI.create(replica.host(), replica.port()),
            "id-" + replica.port(),
            true,
            "id-" + master.port(),
            0,
            0,
            0,
            List.of(),
            Set.of(RedisClusterNode.NodeFlag.REPLICA));
    return List.of(m, r);
  }

  private static Topology cluster(ReadFrom readFrom, List<RedisClusterNode>... shards) {
    List<RedisClusterNode> nodes = new ArrayList<>();
    for (List<RedisClusterNode> shard : shards) {
      nodes.addAll(shard);
    }
    return Topology.ofCluster(nodes, readFrom);
  }

  /**
   * Each slot is read from its master by default, and from the replica first with replicaPreferred.
   */
  @Test
  void readCandidatesFollowReadFrom() {
    Topology master = cluster(ReadFrom.MASTER, shard(A, A1, 0, 8191), shard(B, B1, 8192, 16383));
    assertEquals(List.of(A), master.candidates(0));
    assertEquals(List.of(B), master.candidates(16383));
    assertEquals(Set.of(A, B), master.readNodes());
    assertTrue(master.coversAllSlots());

    Topology preferred =
        cluster(ReadFrom.REPLICA_PREFERRED, shard(A, A1, 0, 8191), shard(B, B1, 8192, 16383));
    assertEquals(List.of(A1, A), preferred.candidates(100));
    assertEquals(List.of(B1), cluster(ReadFrom.REPLICA, shard(B, B1, 0, 16383)).candidates(5));
  }

  /** Slots nobody serves have no candidates, and the topology does not cover every slot. */
  @Test
  void unassignedSlotsHaveNoRoute() {
    Topology partial = cluster(ReadFrom.MASTER, shard(A, A1, 0, 99));
    assertEquals(List.of(), partial.candidates(100));
    assertFalse(partial.coversAllSlots());
  }

  /**
   * A resharding changes only the slots that moved, and counts them as moved; a failover changes
   * every slot of the shard, and is not a move.
   */
  @Test
  void changesAreCountedPerSlot() {
    Topology before = cluster(ReadFrom.MASTER, shard(A, A1, 0, 8191), shard(B, B1, 8192, 16383));
    Topology resharded = cluster(ReadFrom.MASTER, shard(A, A1, 0, 8190), shard(B, B1, 8191, 16383));
    BitSet changed = resharded.slotsChangedSince(before);
    assertEquals(1, changed.cardinality());
    assertTrue(changed.get(8191));
    assertEquals(changed, resharded.slotsMovedSince(before, changed));

    Topology failedOver =
        cluster(ReadFrom.MASTER, shard(A1, A, 0, 8191), shard(B, B1, 8192, 16383));
    BitSet afterFailover = failedOver.slotsChangedSince(before);
    assertEquals(8192, afterFailover.cardinality());
    assertTrue(failedOver.slotsMovedSince(before, afterFailover).isEmpty());
    assertTrue(before.slotsChangedSince(before).isEmpty());
  }

  /** A node's slots are those it is a read candidate of. */
  @Test
  void slotsReadFromANode() {
    Topology any = cluster(ReadFrom.ANY, shard(A, A1, 0, 8191), shard(B, B1, 8192, 16383));
    assertEquals(8192, any.slotsReadFrom(A1).cardinality());
    Topology master = cluster(ReadFrom.MASTER, shard(A, A1, 0, 8191), shard(B, B1, 8192, 16383));
    assertEquals(0, master.slotsReadFrom(A1).cardinality());
  }

  /** A sentinel set is one shard serving every slot. */
  @Test
  void aSentinelSetIsOneShard() {
    Topology set =
        Topology.singleShard(new Topology.Shard(A, List.of(A1)), ReadFrom.REPLICA_PREFERRED);
    assertTrue(set.coversAllSlots());
    assertEquals(List.of(A1, A), set.candidates(12345));
    assertEquals("master 127.0.0.1:7000 slots 0-16383 replicas 127.0.0.1:7100", set.describe());
  }
}
