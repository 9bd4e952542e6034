package io.github.redisproxy.cache;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of entries that left the cache, by cause; written by the cache and its policy, read by
 * metrics.
 */
final class EvictionCounters {
  private final Map<EvictionCause, LongAdder> counts = new EnumMap<>(EvictionCause.class);

  EvictionCounters() {
    for (EvictionCause cause : EvictionCause.values()) {
      counts.put(cause, new LongAdder());
    }
  }

  void record(EvictionCause cause) {
    counts.get(cause).increment();
  }

  void record(EvictionCause cause, long count) {
    counts.get(cause).add(count);
  }

  long count(EvictionCause cause) {
    return counts.get(cause).sum();
  }
}
