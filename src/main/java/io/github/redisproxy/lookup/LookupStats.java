package io.github.redisproxy.lookup;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the lookup service has done since start, in the words every report uses ({@code INFO cache},
 * {@code /cache/stats}, Prometheus).
 *
 * @param hits lookups answered from the cache
 * @param misses lookups that started a backend load
 * @param coalesced lookups that joined a load already in flight
 * @param size entries in the cache now, including loads in flight
 * @param evictions entries that left the cache, by cause, in a fixed order: size, expired, purged,
 *     invalidated, untracked (expiries are counted when cleaned up)
 * @param invalidationMode {@code tracking}, {@code none}, or why tracking fell back to none
 * @param bytes the cached keys' and values' bytes now, stale ones included
 * @param stale lookups answered with a stale value while Redis failed (STALE_IF_ERROR)
 * @param bypassed values answered but not cached because they were too long
 * @param refreshes background reloads started by refresh-ahead
 */
public record LookupStats(
    long hits,
    long misses,
    long coalesced,
    long size,
    Map<String, Long> evictions,
    String invalidationMode,
    long bytes,
    long stale,
    long bypassed,
    long refreshes) {

  public LookupStats {
    evictions = Collections.unmodifiableMap(new LinkedHashMap<>(evictions));
  }

  /** Hits over all lookups, from 0 to 1; 0 before the first lookup. */
  public double hitRatio() {
    long all = hits + misses + coalesced;
    return all == 0 ? 0 : (double) hits / all;
  }
}
