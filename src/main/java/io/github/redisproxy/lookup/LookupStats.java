package io.github.redisproxy.lookup;

/**
 * What the lookup service has done since start.
 *
 * @param hits lookups answered from the cache
 * @param loads lookups that started a backend load (misses)
 * @param joins lookups that joined a load already in flight (coalesced misses)
 * @param size entries in the cache now, including loads in flight
 * @param evictions entries evicted because the cache was full
 * @param expirations entries removed because they expired (counted when cleaned up)
 * @param purges entries removed by an operator
 * @param invalidations entries removed because Redis reported them changed, or tracking was lost
 * @param invalidationMode {@code tracking}, {@code none}, or why tracking fell back to none
 */
public record LookupStats(
    long hits,
    long loads,
    long joins,
    long size,
    long evictions,
    long expirations,
    long purges,
    long invalidations,
    String invalidationMode) {

  /** All misses: started or joined a load. */
  public long misses() {
    return loads + joins;
  }

  /** Hits over all lookups, from 0 to 1; 0 before the first lookup. */
  public double hitRatio() {
    long all = hits + loads + joins;
    return all == 0 ? 0 : (double) hits / all;
  }
}
