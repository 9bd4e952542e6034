package io.github.redisproxy.backend;

import io.github.redisproxy.config.BackendConfig;
import io.github.redisproxy.config.InvalidationMode;
import io.github.redisproxy.config.ReadFrom;
import io.github.redisproxy.config.RedisAddress;
import io.github.redisproxy.config.RedisAddress.Node;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A backend of many nodes: a Redis Cluster, or a master and its replicas found through sentinels. A
 * {@link TopologySource} says which node serves which hash slot; this class reads each key from a
 * node that serves its slot, on a connection of its own to that node, with invalidation tracking
 * armed on that same connection.
 *
 * <p>Why connections of its own rather than Lettuce's cluster connection: tracking is a property of
 * a connection, and its invalidations arrive on it, in order with its replies. The standalone
 * design's race-safety argument (a reply read before its key's invalidation is removed by it; one
 * read after it reflects the write) holds per connection, so reads and invalidations of a node must
 * share one. Lettuce's cluster connection keeps several pooled connections per node and sends
 * {@code CLIENT TRACKING} to one of them only. So each node the proxy reads from gets one {@link
 * LettuceBackend} connection (RESP3, {@code CLIENT TRACKING on} after every reconnect, {@code
 * READONLY} on a cluster), on resources shared by all nodes.
 *
 * <p>Whether a value may be cached is decided per hash slot, with an epoch per slot: {@link
 * #readCondition} takes the slot's epoch before the read is sent, and the value is kept only if the
 * epoch is unchanged when the reply arrives. The epoch moves, and the slot's cached keys are
 * dropped, whenever the proxy can no longer vouch for what it read of that slot:
 *
 * <ul>
 *   <li>the topology changed for the slot (its master or its read candidates: a failover, a node
 *       joining or leaving, a resharding);
 *   <li>the connection to one of the slot's read nodes was lost (its invalidations with it);
 *   <li>a read of the slot was redirected (MOVED or ASK), or had to go to a node whose tracking was
 *       not armed, or outside the node connections: such a value answers its caller but is not
 *       cached.
 * </ul>
 *
 * Arming tracking on a node moves the epochs of its slots too, so that a read sent before the node
 * was armed is never kept.
 */
public final class RoutedBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(RoutedBackend.class);

  private final String description;
  private final RedisAddress address;
  private final Duration timeout;
  private final boolean tracking;
  private final boolean cluster;
  private final ReadFrom readFrom;
  private final ClientResources resources;
  private final TopologySource source;
  private final Map<Node, Link> links = new ConcurrentHashMap<>();
  private final Map<Node, NodeStats> allStats = new ConcurrentHashMap<>();
  private final AtomicLongArray epochs = new AtomicLongArray(Topology.SLOTS);
  private final InvalidationRelay invalidations = new InvalidationRelay();
  private final LongAdder closedLinkDisconnects = new LongAdder();
  private final LongAdder closedLinkRetries = new LongAdder();
  private volatile Topology topology = Topology.EMPTY;
  private volatile boolean closing;

  private RoutedBackend(
      BackendConfig config, ClientResources resources, TopologySource source, boolean cluster) {
    this.address = config.address();
    this.description = address.toString();
    this.timeout = config.timeout();
    this.tracking = config.invalidation() == InvalidationMode.TRACKING;
    this.readFrom = config.readFrom();
    this.cluster = cluster;
    this.resources = resources;
    this.source = source;
    if (tracking) {
      // The lookup's own session is trusted from the start: what may be kept is decided per slot.
      invalidations.trackingOn();
    }
    source.start(this::apply);
  }

  /** A Redis Cluster from its seed nodes; connects in the background and returns at once. */
  public static RoutedBackend cluster(BackendConfig config) {
    ClientResources resources = LettuceBackend.resources();
    return new RoutedBackend(config, resources, new ClusterTopologySource(config, resources), true);
  }

  /** A master/replica set through its sentinels; connects in the background and returns at once. */
  public static RoutedBackend sentinel(BackendConfig config) {
    ClientResources resources = LettuceBackend.resources();
    return new RoutedBackend(
        config, resources, new SentinelTopologySource(config, resources), false);
  }

  /**
   * The connection to one node, and what it tells about tracking.
   *
   * <p>A cluster replica's connection sends {@code READONLY}, so that it answers reads; a master's
   * does not, so that a master demoted by a failover answers MOVED (which makes the proxy look at
   * the topology again) rather than a value that may lag behind the new master. A node that changes
   * role therefore gets a new connection.
   */
  private final class Link implements InvalidationListener {
    final Node node;
    final boolean replica;
    final NodeStats stats;
    final LettuceBackend connection;
    volatile boolean armed;

    Link(Node node, boolean replica, NodeStats stats) {
      this.node = node;
      this.replica = replica;
      this.stats = stats;
      this.connection =
          LettuceBackend.node(
              node.toString(),
              LettuceBackend.uri(address, node.host(), node.port(), timeout),
              timeout,
              tracking,
              cluster && replica,
              resources);
      if (tracking) {
        connection.listenForInvalidations(this);
      }
    }

    boolean ready() {
      return connection.isConnected() && (!tracking || armed);
    }

    @Override
    public void keysChanged(List<byte[]> keys) {
      stats.recordInvalidations(keys.size());
      invalidations.keysChanged(keys);
    }

    @Override
    public void allKeysChanged() {
      invalidations.allKeysChanged();
    }

    @Override
    public long keysOutdated(Predicate<byte[]> keys) {
      return 0; // a single node's connection never reports this
    }

    @Override
    public void trackingLost() {
      armed = false;
      if (!closing && links.get(node) == this) {
        connectionLost(this);
      }
    }

    @Override
    public void trackingOn() {
      // Reads sent before this point were not tracked: move the epochs so that none is kept.
      moveEpochs(topology.slotsReadFrom(node));
      armed = true;
    }

    @Override
    public void trackingUnavailable(String reason) {
      armed = false;
      log.warn(
          "Redis at {} refused CLIENT TRACKING ({}): its keys are read but not cached",
          node,
          reason);
    }
  }

  @Override
  public ReadCondition readCondition(byte[] key) {
    if (!tracking) {
      return ReadCondition.ALWAYS;
    }
    int slot = SlotHash.getSlot(key);
    long epoch = epochs.get(slot);
    return () -> epochs.get(slot) == epoch;
  }

  @Override
  public Mono<RedisValue> get(byte[] key) {
    return Mono.defer(
        () -> {
          int slot = SlotHash.getSlot(key);
          Link link = route(slot);
          if (link != null) {
            return read(link, key, slot);
          }
          // No node of this slot is ready: answer if possible, but cache nothing read now, and
          // look again at the topology (a master may have failed over).
          epochs.incrementAndGet(slot);
          source.refresh();
          Link connected = anyConnected(slot);
          if (connected != null) {
            return read(connected, key, slot);
          }
          if (topology == Topology.EMPTY) {
            return Mono.error(
                new BackendException(
                    BackendException.Kind.UNAVAILABLE,
                    "the topology of " + description + " is not known yet",
                    null));
          }
          if (hasLink(slot)) {
            // Its nodes are known and down (a failover under way, most likely): answer at once
            // rather than queue behind a dead connection, so that the next read, and the refresh
            // it triggers, come soon.
            return Mono.error(
                new BackendException(
                    BackendException.Kind.UNAVAILABLE,
                    "no node serving slot " + slot + " of " + description + " is reachable",
                    null));
          }
          return source
              .get(key)
              .map(RedisValue::withoutTtl); // a slot no node of ours serves: Lettuce routes it
        });
  }

  private Mono<RedisValue> read(Link link, byte[] key, int slot) {
    long start = System.nanoTime();
    return link.connection
        .get(key)
        .doOnSuccess(value -> link.stats.recordRead(System.nanoTime() - start))
        .onErrorResume(
            BackendException.class,
            failure -> {
              Redirect redirect =
                  failure.kind() == BackendException.Kind.ERROR
                      ? Redirect.parse(failure.getMessage())
                      : null;
              if (redirect != null) {
                // The slot is elsewhere now (or moving): follow the redirect without caching, and
                // learn the new owner.
                link.stats.recordRedirect();
                epochs.incrementAndGet(slot);
                source.refresh();
                Link target = links.get(redirect.node());
                if (target != null && target.connection.isConnected() && !target.replica) {
                  return redirect.asking()
                      ? target.connection.getAsking(key)
                      : target.connection.get(key);
                }
                return source.get(key).map(RedisValue::withoutTtl); // a node not connected yet
              }
              link.stats.recordError();
              return Mono.error(failure);
            });
  }

  /** A cluster's {@code MOVED slot host:port} or {@code ASK slot host:port} reply. */
  private record Redirect(boolean asking, Node node) {
    static Redirect parse(String message) {
      String[] parts = String.valueOf(message).split(" ");
      if (parts.length != 3 || !(parts[0].equals("MOVED") || parts[0].equals("ASK"))) {
        return null;
      }
      int colon = parts[2].lastIndexOf(':');
      if (colon < 0) {
        return null;
      }
      try {
        return new Redirect(
            parts[0].equals("ASK"),
            new Node(
                parts[2].substring(0, colon), Integer.parseInt(parts[2].substring(colon + 1))));
      } catch (IllegalArgumentException e) { // not a port number, or not a valid node address
        return null;
      }
    }
  }

  /** The ready node to read {@code slot} from, by READ_FROM; null if none is ready. */
  private Link route(int slot) {
    Link best = null;
    for (Node node : topology.candidates(slot)) {
      Link link = links.get(node);
      if (link != null && link.ready()) {
        if (readFrom != ReadFrom.NEAREST) {
          return link;
        }
        if (best == null || link.stats.smoothedNanos() < best.stats.smoothedNanos()) {
          best = link;
        }
      }
    }
    return best;
  }

  private boolean hasLink(int slot) {
    for (Node node : topology.candidates(slot)) {
      if (links.containsKey(node)) {
        return true;
      }
    }
    return false;
  }

  private Link anyConnected(int slot) {
    for (Node node : topology.candidates(slot)) {
      Link link = links.get(node);
      if (link != null && link.connection.isConnected()) {
        return link;
      }
    }
    return null;
  }

  /**
   * A new topology from the source: connects to new read nodes, publishes it, then moves the epochs
   * of every slot it changed and drops their cached keys, and closes connections to nodes no longer
   * read. Publishing before moving the epochs means a load that saw a moved epoch also routes by
   * the new topology.
   */
  private synchronized void apply(Topology next) {
    if (closing) {
      return;
    }
    Topology before = topology;
    List<Link> replaced = new ArrayList<>();
    for (Node node : next.readNodes()) {
      boolean replica = !next.isMaster(node);
      Link present = links.get(node);
      if (present == null || present.replica != replica) {
        links.put(node, new Link(node, replica, present == null ? stats(node) : present.stats));
        if (present != null) {
          replaced.add(present);
        }
      }
    }
    topology = next;
    if (before == Topology.EMPTY) {
      log.info("Found {} topology of {}: {}", source.mode(), description, next.describe());
    } else {
      BitSet changed = next.slotsChangedSince(before);
      if (!changed.isEmpty()) {
        moveEpochs(changed);
        BitSet moved = next.slotsMovedSince(before, changed);
        BitSet other = (BitSet) changed.clone();
        other.andNot(moved);
        long droppedMoved = drop(moved, before, NodeStats.FlushReason.SLOT_MOVED);
        long droppedOther = drop(other, before, NodeStats.FlushReason.TOPOLOGY_CHANGE);
        log.info(
            "The {} topology changed for {} slots ({} moved between masters): dropped {} cached"
                + " keys read from their former nodes; now {}",
            source.mode(),
            changed.cardinality(),
            moved.cardinality(),
            droppedMoved + droppedOther,
            next.describe());
      }
    }
    replaced.forEach(this::closeLater);
    Set<Node> reading = next.readNodes();
    for (Node node : new ArrayList<>(links.keySet())) {
      if (!reading.contains(node)) {
        Link gone = links.remove(node);
        if (gone != null) {
          closeLater(gone);
        }
      }
    }
  }

  /** A node's counters live as long as the backend, across its connections. */
  private NodeStats stats(Node node) {
    return allStats.computeIfAbsent(node, n -> new NodeStats(n.toString()));
  }

  /** Drops the cached keys of {@code slots}, counted against the node each was read from. */
  private long drop(BitSet slots, Topology before, NodeStats.FlushReason reason) {
    if (!tracking || slots.isEmpty()) {
      return 0;
    }
    Map<Node, long[]> perNode = new HashMap<>();
    long dropped =
        invalidations.keysOutdated(
            key -> {
              int slot = SlotHash.getSlot(key);
              if (!slots.get(slot)) {
                return false;
              }
              Topology.Shard shard = before.shardOf(slot);
              if (shard != null) {
                perNode.computeIfAbsent(shard.master(), n -> new long[1])[0]++;
              }
              return true;
            });
    perNode.forEach(
        (node, count) -> {
          Link link = links.get(node);
          if (link != null) {
            link.stats.recordFlushed(reason, count[0]);
          }
        });
    return dropped;
  }

  private synchronized void connectionLost(Link link) {
    BitSet slots = topology.slotsReadFrom(link.node);
    moveEpochs(slots);
    long dropped =
        tracking ? invalidations.keysOutdated(key -> slots.get(SlotHash.getSlot(key))) : 0;
    link.stats.recordFlushed(NodeStats.FlushReason.CONNECTION_LOST, dropped);
    log.warn(
        "Lost the connection to {}, and its invalidations with it: dropped {} cached keys of the"
            + " {} slots read from it; they are cached again once tracking is back",
        link.node,
        dropped,
        slots.cardinality());
    source.refresh();
  }

  private void moveEpochs(BitSet slots) {
    for (int slot = slots.nextSetBit(0); slot >= 0; slot = slots.nextSetBit(slot + 1)) {
      epochs.incrementAndGet(slot);
    }
  }

  /** Closing a Lettuce client waits for its threads: never on the thread that reported a change. */
  private void closeLater(Link link) {
    closedLinkDisconnects.add(link.connection.disconnects());
    closedLinkRetries.add(link.connection.retries());
    Schedulers.boundedElastic().schedule(link.connection::close);
  }

  @Override
  public Mono<Void> ping() {
    return Mono.defer(
        () -> {
          Topology current = topology;
          if (current == Topology.EMPTY) {
            return Mono.error(
                new BackendException(
                    BackendException.Kind.UNAVAILABLE,
                    "the topology of " + description + " is not known yet",
                    null));
          }
          if (!current.coversAllSlots()) {
            return Mono.error(
                new BackendException(
                    BackendException.Kind.UNAVAILABLE,
                    "not every hash slot of " + description + " has a master",
                    null));
          }
          List<Mono<Void>> pings = new ArrayList<>();
          for (Topology.Shard shard : current.shards()) {
            pings.add(pingShard(current, shard));
          }
          return Flux.merge(pings).then();
        });
  }

  private Mono<Void> pingShard(Topology current, Topology.Shard shard) {
    List<Node> candidates = current.candidates(current.slotsReadFrom(shard.master()).nextSetBit(0));
    for (Node node : candidates) {
      Link link = links.get(node);
      if (link != null && link.connection.isConnected()) {
        return link.connection.ping();
      }
    }
    return Mono.error(
        new BackendException(
            BackendException.Kind.UNAVAILABLE,
            "no reachable node serves the slots of master " + shard.master(),
            null));
  }

  @Override
  public boolean isConnected() {
    Topology current = topology;
    if (current == Topology.EMPTY || !current.coversAllSlots()) {
      return false;
    }
    for (Topology.Shard shard : current.shards()) {
      boolean reachable = false;
      for (Node node : current.readNodes()) {
        Link link = links.get(node);
        if ((node.equals(shard.master()) || shard.replicas().contains(node))
            && link != null
            && link.connection.isConnected()) {
          reachable = true;
          break;
        }
      }
      if (!reachable) {
        return false;
      }
    }
    return true;
  }

  @Override
  public long retries() {
    long sum = closedLinkRetries.sum();
    for (Link link : links.values()) {
      sum += link.connection.retries();
    }
    return sum;
  }

  @Override
  public long disconnects() {
    long sum = closedLinkDisconnects.sum();
    for (Link link : links.values()) {
      sum += link.connection.disconnects();
    }
    return sum;
  }

  @Override
  public boolean tracksInvalidations() {
    return tracking;
  }

  @Override
  public void listenForInvalidations(InvalidationListener listener) {
    invalidations.setListener(listener);
  }

  @Override
  public String mode() {
    return source.mode();
  }

  @Override
  public List<NodeStatus> nodes() {
    Topology current = topology;
    Set<Node> reading = current.readNodes();
    List<NodeStatus> nodes = new ArrayList<>();
    for (Node node : current.allNodes()) {
      Link link = links.get(node);
      nodes.add(
          new NodeStatus(
              node.toString(),
              current.isMaster(node) ? "master" : "replica",
              reading.contains(node),
              link != null && link.connection.isConnected(),
              link != null && link.armed,
              link == null ? 0 : link.connection.disconnects(),
              stats(node)));
    }
    return nodes;
  }

  @Override
  public void close() {
    closing = true;
    source.close();
    for (Link link : links.values()) {
      link.connection.close();
    }
    links.clear();
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
