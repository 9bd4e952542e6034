package io.github.redisproxy.backend;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one node of a cluster or sentinel set has done for the proxy: live counters, read by the
 * management port's metrics. The backend owns and updates them; readers only read.
 */
public final class NodeStats {

  /** Why entries read from a node were dropped from the cache. */
  public enum FlushReason {
    /** A failover, or a node joined or left: the slot's owner or read candidates changed. */
    TOPOLOGY_CHANGE("topology_change"),
    /** The node's connection, and with it its invalidations, was lost. */
    CONNECTION_LOST("connection_lost"),
    /** The slot moved to another master (resharding), or a read of it was redirected. */
    SLOT_MOVED("slot_moved");

    private final String label;

    FlushReason(String label) {
      this.label = label;
    }

    /** The metric label value. */
    public String label() {
      return label;
    }
  }

  private final String address;
  private final LongAdder reads = new LongAdder();
  private final LongAdder readNanos = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder redirects = new LongAdder();
  private final LongAdder invalidations = new LongAdder();
  private final Map<FlushReason, LongAdder> flushed = new EnumMap<>(FlushReason.class);
  private volatile long smoothedNanos; // an average of recent reads, for READ_FROM=nearest

  NodeStats(String address) {
    this.address = address;
    for (FlushReason reason : FlushReason.values()) {
      flushed.put(reason, new LongAdder());
    }
  }

  void recordRead(long nanos) {
    reads.increment();
    readNanos.add(nanos);
    long previous = smoothedNanos;
    smoothedNanos = previous == 0 ? nanos : previous + (nanos - previous) / 8;
  }

  void recordError() {
    errors.increment();
  }

  void recordRedirect() {
    redirects.increment();
  }

  void recordInvalidations(int keys) {
    invalidations.add(keys);
  }

  void recordFlushed(FlushReason reason, long entries) {
    flushed.get(reason).add(entries);
  }

  /** host:port. */
  public String address() {
    return address;
  }

  /** Reads answered (a value or nil). */
  public long reads() {
    return reads.sum();
  }

  /** Their total time, in nanoseconds. */
  public long readNanos() {
    return readNanos.sum();
  }

  /** Reads that failed (timeouts, errors, lost connections). */
  public long errors() {
    return errors.sum();
  }

  /** Reads answered with MOVED or ASK. */
  public long redirects() {
    return redirects.sum();
  }

  /** Keys this node reported changed. */
  public long invalidations() {
    return invalidations.sum();
  }

  /** Cache entries dropped for this reason because of this node. */
  public long flushed(FlushReason reason) {
    return flushed.get(reason).sum();
  }

  long smoothedNanos() {
    return smoothedNanos;
  }
}
