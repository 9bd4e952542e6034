package io.github.redisproxy.bench.jmh;

import io.github.redisproxy.loadtest.KeyTraces;
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
 * Cache hits: reads of a cache that holds every key it is asked for, with 1 and 2 threads, for the
 * proxy's two policies and a bare Caffeine cache (see {@link CacheUnderTest}), in two ways ({@code
 * read}): {@code loaded} is {@code getLoaded}, the proxy's hit path (against Caffeine's {@code
 * getIfPresent}); {@code get} is the read-through {@code get}, which the proxy takes when {@code
 * getLoaded} finds nothing (against Caffeine's {@code get(key, mappingFunction)}).
 *
 * <p>The cache holds {@value #KEYS} keys and has room for all of them, so every read is a hit
 * (checked before and after the run). Each thread reads a precomputed trace of {@value
 * #TRACE_LENGTH} keys, Zipf-distributed with s = 0.99 (or uniform with {@code -p keys=uniform}),
 * each a fresh {@link Key} instance as the proxy decodes one per request, so equality compares
 * bytes.
 *
 * <p>Run: {@code bench/jmh.sh CacheHitBenchmark}; one policy, way and thread count: {@code
 * bench/jmh.sh 'CacheHitBenchmark.hit_2threads' -p policy=lru -p read=loaded}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class CacheHitBenchmark {
  static final int KEYS = 100_000;
  static final int TRACE_LENGTH = 1 << 16;
  private static final String PREFIX = "bench:key:";

  @Param({"lru", "tinylfu", "caffeine-raw"})
  public String policy;

  @Param({"loaded", "get"})
  public String read;

  @Param({"zipf"})
  public String keys;

  CacheUnderTest cache;
  private boolean getLoaded;

  @Setup(Level.Trial)
  public void fill() {
    getLoaded =
        switch (read) {
          case "loaded" -> true;
          case "get" -> false;
          default -> throw new IllegalArgumentException("read must be loaded or get: " + read);
        };
    cache = CacheUnderTest.create(policy, KEYS);
    for (int i = 0; i < KEYS; i++) {
      cache.get(CacheUnderTest.key(PREFIX, i));
    }
    requireEveryKeyCached("after filling");
  }

  @TearDown(Level.Trial)
  public void check() {
    requireEveryKeyCached("after the run");
  }

  private void requireEveryKeyCached(String when) {
    for (int i = 0; i < KEYS; i++) {
      if (!cache.hit(CacheUnderTest.key(PREFIX, i))) {
        throw new IllegalStateException(
            policy + ": key " + i + " is not cached " + when + ": not a hit benchmark");
      }
    }
  }

  /** One thread's reads. */
  @State(Scope.Thread)
  public static class Reads {
    private Key[] trace;
    private int next;

    @Setup(Level.Trial)
    public void draw(CacheHitBenchmark benchmark, ThreadParams thread) {
      long seed = 42 + thread.getThreadIndex();
      int[] numbers =
          switch (benchmark.keys) {
            case "zipf" -> KeyTraces.zipf(KEYS, 0.99, seed, TRACE_LENGTH);
            case "uniform" -> KeyTraces.uniform(KEYS, seed, TRACE_LENGTH);
            default ->
                throw new IllegalArgumentException(
                    "keys must be zipf or uniform: " + benchmark.keys);
          };
      trace = new Key[TRACE_LENGTH];
      for (int i = 0; i < TRACE_LENGTH; i++) {
        trace[i] = CacheUnderTest.key(PREFIX, numbers[i]);
      }
    }

    Key next() {
      return trace[next++ & (TRACE_LENGTH - 1)];
    }
  }

  /** The returned read is consumed by JMH's blackhole, so the lookup cannot be optimized away. */
  @Benchmark
  @Threads(1)
  public Object hit_1thread(Reads reads) {
    return read(reads.next());
  }

  @Benchmark
  @Threads(2)
  public Object hit_2threads(Reads reads) {
    return read(reads.next());
  }

  private Object read(Key key) {
    return getLoaded ? cache.getLoaded(key) : cache.get(key);
  }
}
