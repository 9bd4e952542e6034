package io.github.redisproxy.backend;

import io.github.redisproxy.config.ReadFrom;
import io.github.redisproxy.config.RedisAddress.Node;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which nodes serve which hash slots at one moment, and, for the configured {@code READ_FROM},
 * which of them the proxy may read each slot from (its candidates, in order of preference).
 * Immutable: a change of topology is a new instance, and {@link #slotsChangedSince} says which
 * slots it touched.
 *
 * <p>A sentinel-managed set is one shard that serves every slot, so the same routing and the same
 * per-slot bookkeeping serve both.
 */
final class Topology {
  static final int SLOTS = 16384;
  static final Topology EMPTY = new Topology(List.of(), new int[SLOTS], ReadFrom.MASTER);

  /** One master and its replicas. */
  record Shard(Node master, List<Node> replicas) {
    Shard {
      replicas = List.copyOf(replicas);
    }
  }

  private final List<Shard> shards;
  private final int[] shardOfSlot; // index + 1 into shards; 0 = no shard serves the slot
  private final List<List<Node>> candidates; // per shard, for readFrom

  private Topology(List<Shard> shards, int[] shardOfSlot, ReadFrom readFrom) {
    this.shards = List.copyOf(shards);
    this.shardOfSlot = shardOfSlot;
    List<List<Node>> perShard = new ArrayList<>(shards.size());
    for (Shard shard : shards) {
      perShard.add(candidates(shard, readFrom));
    }
    this.candidates = perShard;
  }

  /** A master/replica set (found through sentinels): one shard for every slot. */
  static Topology singleShard(Shard shard, ReadFrom readFrom) {
    int[] slots = new int[SLOTS];
    java.util.Arrays.fill(slots, 1);
    return new Topology(List.of(shard), slots, readFrom);
  }

  /** A cluster as Lettuce's topology refresh found it (CLUSTER NODES). */
  static Topology ofCluster(Collection<RedisClusterNode> nodes, ReadFrom readFrom) {
    Map<String, RedisClusterNode> byId = new HashMap<>();
    for (RedisClusterNode node : nodes) {
      if (usable(node)) {
        byId.put(node.getNodeId(), node);
      }
    }
    List<Shard> shards = new ArrayList<>();
    int[] slots = new int[SLOTS];
    for (RedisClusterNode node : nodes) {
      if (!usable(node) || node.getRole().isReplica() || node.hasNoSlots()) {
        continue;
      }
      List<Node> replicas = new ArrayList<>();
      for (RedisClusterNode other : byId.values()) {
        if (other.getRole().isReplica() && node.getNodeId().equals(other.getSlaveOf())) {
          replicas.add(nodeOf(other));
        }
      }
      replicas.sort(java.util.Comparator.comparing(Node::toString));
      shards.add(new Shard(nodeOf(node), replicas));
      int index = shards.size();
      node.forEachSlot(slot -> slots[slot] = index);
    }
    return new Topology(shards, slots, readFrom);
  }

  private static boolean usable(RedisClusterNode node) {
    return node.getUri() != null
        && !node.is(RedisClusterNode.NodeFlag.NOADDR)
        && !node.is(RedisClusterNode.NodeFlag.HANDSHAKE);
  }

  private static Node nodeOf(RedisClusterNode node) {
    return new Node(node.getUri().getHost(), node.getUri().getPort());
  }

  /**
   * The nodes a slot may be read from, most preferred first; Lettuce's {@code ReadFrom} names and
   * meanings. {@code nearest} lists every node; the router picks the fastest of them.
   */
  private static List<Node> candidates(Shard shard, ReadFrom readFrom) {
    List<Node> nodes = new ArrayList<>();
    switch (readFrom) {
      case MASTER -> nodes.add(shard.master());
      case REPLICA -> nodes.addAll(shard.replicas());
      case REPLICA_PREFERRED -> {
        nodes.addAll(shard.replicas());
        nodes.add(shard.master());
      }
      case NEAREST, ANY -> {
        nodes.add(shard.master());
        nodes.addAll(shard.replicas());
      }
    }
    return List.copyOf(nodes);
  }

  /** The shard serving {@code slot}, or null. */
  Shard shardOf(int slot) {
    int index = shardOfSlot[slot];
    return index == 0 ? null : shards.get(index - 1);
  }

  /** The nodes {@code slot} may be read from, most preferred first; empty if none. */
  List<Node> candidates(int slot) {
    int index = shardOfSlot[slot];
    return index == 0 ? List.of() : candidates.get(index - 1);
  }

  List<Shard> shards() {
    return shards;
  }

  /** Every node the proxy may read from. */
  Set<Node> readNodes() {
    Set<Node> nodes = new LinkedHashSet<>();
    candidates.forEach(nodes::addAll);
    return nodes;
  }

  /** Every node, masters and replicas. */
  Set<Node> allNodes() {
    Set<Node> nodes = new LinkedHashSet<>();
    for (Shard shard : shards) {
      nodes.add(shard.master());
      nodes.addAll(shard.replicas());
    }
    return nodes;
  }

  /** Whether {@code node} is a master here. */
  boolean isMaster(Node node) {
    return shards.stream().anyMatch(shard -> shard.master().equals(node));
  }

  /** Whether some shard serves every slot. */
  boolean coversAllSlots() {
    for (int index : shardOfSlot) {
      if (index == 0) {
        return false;
      }
    }
    return true;
  }

  /** The slots {@code node} is a read candidate of. */
  BitSet slotsReadFrom(Node node) {
    BitSet slots = new BitSet(SLOTS);
    for (int slot = 0; slot < SLOTS; slot++) {
      if (candidates(slot).contains(node)) {
        slots.set(slot);
      }
    }
    return slots;
  }

  /**
   * The slots whose owner or read candidates differ from {@code before}'s; a value cached for such
   * a slot may have been read from a node that no longer serves it.
   */
  BitSet slotsChangedSince(Topology before) {
    BitSet changed = new BitSet(SLOTS);
    for (int slot = 0; slot < SLOTS; slot++) {
      if (!Objects.equals(before.shardOf(slot), shardOf(slot))
          || !before.candidates(slot).equals(candidates(slot))) {
        changed.set(slot);
      }
    }
    return changed;
  }

  /**
   * Of {@code changed}, the slots that only moved from one master to another that was already a
   * master before (a resharding), as opposed to failovers and nodes joining or leaving.
   */
  BitSet slotsMovedSince(Topology before, BitSet changed) {
    BitSet moved = new BitSet(SLOTS);
    for (int slot = changed.nextSetBit(0); slot >= 0; slot = changed.nextSetBit(slot + 1)) {
      Shard old = before.shardOf(slot);
      Shard now = shardOf(slot);
      if (old != null
          && now != null
          && !old.master().equals(now.master())
          && before.isMaster(now.master())
          && isMaster(old.master())) {
        moved.set(slot);
      }
    }
    return moved;
  }

  /** For the log: each master with its slot ranges and replicas. */
  String describe() {
    if (shards.isEmpty()) {
      return "no nodes";
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      Shard shard = shards.get(i);
      parts.add(
          "master "
              + shard.master()
              + " slots "
              + ranges(i + 1)
              + (shard.replicas().isEmpty()
                  ? ""
                  : " replicas "
                      + shard.replicas().stream()
                          .map(Node::toString)
                          .collect(Collectors.joining(","))));
    }
    return String.join("; ", parts);
  }

  private String ranges(int index) {
    List<String> ranges = new ArrayList<>();
    int start = -1;
    for (int slot = 0; slot <= SLOTS; slot++) {
      boolean in = slot < SLOTS && shardOfSlot[slot] == index;
      if (in && start < 0) {
        start = slot;
      } else if (!in && start >= 0) {
        ranges.add(start == slot - 1 ? "" + start : start + "-" + (slot - 1));
        start = -1;
      }
    }
    return String.join(",", ranges);
  }
}
