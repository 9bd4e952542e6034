package io.github.redisproxy.management;

import io.github.redisproxy.backend.NodeStats;
import io.github.redisproxy.backend.NodeStatus;
import io.github.redisproxy.metrics.MeterNames;
import io.github.redisproxy.metrics.Meters;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-node meters of a cluster or sentinel set. Nodes come and go with the topology, so they
 * are registered when a scrape first sees them (registering is idempotent, and a scrape is the only
 * reader); each reads the node's live counters.
 */
final class NodeMeters {
  private final MeterRegistry registry;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private volatile List<NodeStatus> latest = List.of();

  NodeMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void register(List<NodeStatus> nodes) {
    latest = nodes;
    for (NodeStatus node : nodes) {
      if (node.readFrom() && registered.add(node.address())) {
        register(node.address(), node.stats());
      }
    }
  }

  private void register(String node, NodeStats stats) {
    FunctionTimer.builder(
            MeterNames.NODE_READS,
            stats,
            NodeStats::reads,
            NodeStats::readNanos,
            TimeUnit.NANOSECONDS)
        .description("Reads the proxy sent to this node (a value or nil), and their time")
        .tags("node", node)
        .register(registry);
    Meters.counter(
        registry,
        MeterNames.NODE_ERRORS,
        "Reads of this node that failed",
        stats,
        NodeStats::errors,
        "node",
        node);
    Meters.counter(
        registry,
        MeterNames.NODE_REDIRECTS,
        "Reads this node answered with MOVED or ASK",
        stats,
        NodeStats::redirects,
        "node",
        node);
    Meters.counter(
        registry,
        MeterNames.NODE_INVALIDATIONS,
        "Keys this node reported changed",
        stats,
        NodeStats::invalidations,
        "node",
        node);
    for (NodeStats.FlushReason reason : NodeStats.FlushReason.values()) {
      Meters.counter(
          registry,
          MeterNames.NODE_FLUSHED,
          "Cached keys dropped because of this node",
          stats,
          s -> s.flushed(reason),
          "node",
          node,
          "reason",
          reason.label());
    }
    Meters.counter(
        registry,
        MeterNames.NODE_RECONNECTS,
        "Times the connection to this node was lost",
        this,
        meters -> meters.status(node, NodeStatus::reconnects),
        "node",
        node);
    Meters.gauge(
        registry,
        MeterNames.NODE_UP,
        "1 while the proxy's connection to this node is up",
        this,
        meters -> meters.status(node, status -> status.up() ? 1 : 0),
        "node",
        node);
    Meters.gauge(
        registry,
        MeterNames.NODE_TRACKING,
        "1 while invalidation tracking is armed on the connection to this node",
        this,
        meters -> meters.status(node, status -> status.tracking() ? 1 : 0),
        "node",
        node);
  }

  private double status(String node, java.util.function.ToLongFunction<NodeStatus> value) {
    for (NodeStatus status : latest) {
      if (status.address().equals(node)) {
        return value.applyAsLong(status);
      }
    }
    return 0;
  }
}
