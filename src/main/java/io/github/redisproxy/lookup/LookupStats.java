package io.github.redisproxy.lookup;

/**
 * What the lookup service has done since start.
 *
 * @param hits lookups answered from the cache
 * @param loads lookups that started a backend load (misses)
 * @param joins lookups that joined a load already in flight (coalesced misses)
 * @param size entries in the cache now, including loads in flight
 * @param evictions entries evicted because the cache was full
 */
public record LookupStats(long hits, long loads, long joins, long size, long evictions) {

  /** All misses: started or joined a load. */
  public long misses() {
    return loads + joins;
  }
}
