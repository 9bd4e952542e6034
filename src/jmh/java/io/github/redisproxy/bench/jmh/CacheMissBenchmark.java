package io.github.redisproxy.bench.jmh;

import io.github.redisproxy.lookup.Key;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The miss path: a read of a key the cache does not hold, an immediate load (the loader completes
 * at once, so no backend time is in the figure), the insert, and the eviction it causes in a full
 * cache: what the proxy's cache costs on top of a Redis round trip, for the two policies and a bare
 * Caffeine cache (see {@link CacheUnderTest}).
 *
 * <p>The cache has room for {@value #CAPACITY} keys; each thread reads its own {@value #KEYS} keys
 * in a cycle, so a key was last read {@value #KEYS} reads earlier and (LRU or TinyLFU alike) has
 * been evicted since: every read but a negligible few is a miss, and once the cache is full, every
 * miss evicts one key.
 *
 * <p>Run: {@code bench/jmh.sh CacheMissBenchmark}; with 2 threads: {@code bench/jmh.sh
 * CacheMissBenchmark -t 2}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class CacheMissBenchmark {
  static final int CAPACITY = 1_000;
  static final int KEYS = 1 << 20;

  @Param({"lru", "tinylfu", "caffeine-raw"})
  public String policy;

  CacheUnderTest cache;

  @Setup(Level.Trial)
  public void create() {
    cache = CacheUnderTest.create(policy, CAPACITY);
  }

  @TearDown(Level.Trial)
  public void check() {
    if (cache.size() > CAPACITY) {
      throw new IllegalStateException(
          policy + ": " + cache.size() + " keys cached, more than " + CAPACITY);
    }
  }

  /**
   * One thread's keys, distinct from every other thread's, so that no two threads ever share a
   * load.
   */
  @State(Scope.Thread)
  public static class Keys {
    private Key[] keys;
    private int next;

    @Setup(Level.Trial)
    public void create(ThreadParams thread) {
      keys = new Key[KEYS];
      for (int i = 0; i < KEYS; i++) {
        keys[i] = CacheUnderTest.key("bench:miss:" + thread.getThreadIndex() + ":", i);
      }
    }

    Key next() {
      return keys[next++ & (KEYS - 1)];
    }
  }

  /**
   * The returned read is consumed by JMH's blackhole, so the lookup and the load cannot be
   * optimized away.
   */
  @Benchmark
  @Threads(1)
  public Object miss(Keys keys) {
    return cache.get(keys.next());
  }
}
