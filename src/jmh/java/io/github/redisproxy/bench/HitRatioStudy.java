package io.github.redisproxy.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import io.github.redisproxy.loadtest.KeyTraces;
import io.github.redisproxy.lookup.Key;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The hit-ratio study of the performance issue: {@code lru} against {@code tinylfu} on Zipf traces
 * with s = 0.8, 0.99 and 1.2, with room for 1 % and 10 % of the keys.
 *
 * <p>For each exponent, one trace of Zipf-distributed reads is drawn with a fixed seed ({@link
 * KeyTraces}, the load generator's sampler), and each policy reads the same trace: the first part
 * warms the cache, and the hit ratio (1 − loads / reads) is taken over the rest. The cache is the
 * proxy's own, from {@link LocalCaches#create}, with an immediate loader that counts its loads and
 * a clock that never moves, so that nothing expires and only the capacity evicts. The proxy's cache
 * runs Caffeine's maintenance on the calling thread (its executor is {@code Runnable::run}), and
 * each cache is read by one thread, so TinyLFU's evictions happen in trace order, as LRU's do: no
 * clean-up call is needed and no test hook was added.
 *
 * <p>LRU's figures are exact and the same on every run. TinyLFU's are not quite: against hash
 * flooding, Caffeine admits one in 128 of the warm newcomers it would reject, drawing from {@code
 * ThreadLocalRandom}, which cannot be seeded; one such draw changes the rest of the run, and on
 * these traces the hit ratio moved from one run to the next by up to 0.8 points (the proxy's
 * tinylfu) and 2.5 points (the bare Caffeine cache). So every TinyLFU figure is the mean of several
 * runs (3 by default), with their range.
 *
 * <p>Two references: the same trace through a bare, synchronous Caffeine {@link Cache} (W-TinyLFU
 * driven as Caffeine's own simulator drives it: each load completes inside {@code get}, where the
 * proxy's cache inserts a future and completes it afterwards), and the share of reads that go to
 * the {@code C} most popular keys, {@code sum(i <= C) i^-s / H(K, s)}: on a trace of independent
 * draws (which these are) no policy that does not see the future can expect a higher hit ratio than
 * keeping exactly those keys.
 *
 * <p>{@code java -cp ... io.github.redisproxy.bench.HitRatioStudy TABLE.md CHART.png [KEYS [WARM_UP
 * [MEASURED [RUNS]]]]}; bench/hit-ratio.sh runs it. The runs are spread over one thread per core;
 * each cache is read by one.
 */
public final class HitRatioStudy {
  static final double[] EXPONENTS = {0.8, 0.99, 1.2};
  static final double[] CAPACITY_SHARES = {0.01, 0.10};
  private static final long SEED = 20_261_202L;
  private static final byte[] VALUE = "v".getBytes(StandardCharsets.UTF_8);

  /**
   * One (s, capacity) pair: the hit ratio of {@code lru}, those of the runs of {@code tinylfu} and
   * of the bare Caffeine cache, and the top-C reference.
   */
  record Row(
      double s,
      double capacityShare,
      int capacity,
      double lru,
      double[] tinylfu,
      double[] caffeine,
      double topKeys) {}

  private HitRatioStudy() {}

  public static void main(String[] args)
      throws IOException, InterruptedException, ExecutionException {
    Path table = Path.of(args[0]);
    Path chart = Path.of(args[1]);
    int keys = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 1_000_000;
    int measured = args.length > 4 ? Integer.parseInt(args[4]) : 2_000_000;
    int runs = args.length > 5 ? Integer.parseInt(args[5]) : 3;

    Key[] keyOf = new Key[keys];
    for (int k = 0; k < keys; k++) {
      keyOf[k] = Key.of("study:key:" + k);
    }
    ExecutorService threads =
        Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    List<Row> rows = new ArrayList<>();
    try {
      for (double s : EXPONENTS) {
        int[] trace = KeyTraces.zipf(keys, s, SEED, warmUp + measured);
        for (double share : CAPACITY_SHARES) {
          int capacity = (int) Math.round(keys * share);
          long start = System.nanoTime();
          Future<Double> lru =
              threads.submit(() -> hitRatio(CachePolicy.LRU, capacity, keyOf, trace, warmUp));
          List<Future<Double>> tinylfu = new ArrayList<>();
          List<Future<Double>> caffeine = new ArrayList<>();
          for (int run = 0; run < runs; run++) {
            tinylfu.add(
                threads.submit(
                    () -> hitRatio(CachePolicy.TINYLFU, capacity, keyOf, trace, warmUp)));
            caffeine.add(threads.submit(() -> caffeineHitRatio(capacity, keyOf, trace, warmUp)));
          }
          Row row =
              new Row(
                  s,
                  share,
                  capacity,
                  lru.get(),
                  all(tinylfu),
                  all(caffeine),
                  topKeysShare(keys, capacity, s));
          rows.add(row);
          System.err.printf(
              Locale.ROOT,
              "s = %s, capacity %d: lru %.4f, tinylfu %s, bare Caffeine %s (%d ms)%n",
              s,
              capacity,
              row.lru(),
              Arrays.toString(row.tinylfu()),
              Arrays.toString(row.caffeine()),
              (System.nanoTime() - start) / 1_000_000);
        }
      }
    } finally {
      threads.shutdownNow();
    }

    String markdown = markdown(rows, keys, warmUp, measured, runs);
    System.out.print(markdown);
    Files.createDirectories(table.toAbsolutePath().getParent());
    Files.writeString(table, markdown);
    HitRatioChart.write(
        rows,
        String.format(
            Locale.ROOT,
            "%,d keys; per exponent one seeded trace, the same for every policy: %,d warm-up reads, then %,d"
                + " measured; tinylfu: mean of %d runs",
            keys,
            warmUp,
            measured,
            runs),
        chart);
    System.err.println("written to " + table + " and " + chart);
  }

  /**
   * Reads the trace through a new cache of this policy; returns 1 − loads / reads over the part
   * after warm-up.
   */
  static double hitRatio(CachePolicy policy, int capacity, Key[] keyOf, int[] trace, int warmUp) {
    long[] loads = {0};
    LocalCache<Key, byte[]> cache =
        LocalCaches.create(
            new CacheConfig(capacity, Duration.ofDays(1), policy),
            () -> 0L, // time stands still: no entry ever expires
            (Key key, CompletableFuture<byte[]> result) -> {
              loads[0]++;
              result.complete(VALUE);
            });
    for (int i = 0; i < warmUp; i++) {
      cache.get(keyOf[trace[i]]);
    }
    long loadsBefore = loads[0];
    long hits = 0;
    for (int i = warmUp; i < trace.length; i++) {
      if (cache.get(keyOf[trace[i]]).hit()) {
        hits++;
      }
    }
    long reads = trace.length - warmUp;
    long misses = loads[0] - loadsBefore;
    // One thread and an immediate loader: every read is a hit or starts a load, and no load is ever
    // shared.
    if (hits + misses != reads || cache.estimatedSize() > capacity) {
      throw new IllegalStateException(
          policy
              + ": "
              + hits
              + " hits + "
              + misses
              + " loads != "
              + reads
              + " reads, or "
              + cache.estimatedSize()
              + " keys cached with room for "
              + capacity);
    }
    return 1 - (double) misses / reads;
  }

  /**
   * As {@link #hitRatio}, through a bare synchronous Caffeine cache ({@code maximumSize},
   * same-thread executor).
   */
  static double caffeineHitRatio(int capacity, Key[] keyOf, int[] trace, int warmUp) {
    long[] loads = {0};
    Cache<Key, byte[]> cache =
        Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
    Function<Key, byte[]> load =
        key -> {
          loads[0]++;
          return VALUE;
        };
    for (int i = 0; i < warmUp; i++) {
      cache.get(keyOf[trace[i]], load);
    }
    long loadsBefore = loads[0];
    for (int i = warmUp; i < trace.length; i++) {
      cache.get(keyOf[trace[i]], load);
    }
    return 1 - (double) (loads[0] - loadsBefore) / (trace.length - warmUp);
  }

  /**
   * The probability that a read is of one of the {@code capacity} most popular of {@code keys} Zipf
   * keys.
   */
  static double topKeysShare(int keys, int capacity, double s) {
    double top = 0;
    double all = 0;
    for (int rank = keys; rank >= 1; rank--) { // smallest terms first, for accuracy
      double p = Math.pow(rank, -s);
      all += p;
      if (rank <= capacity) {
        top += p;
      }
    }
    return top / all;
  }

  static double mean(double[] runs) {
    return Arrays.stream(runs).average().orElseThrow();
  }

  private static double[] all(List<Future<Double>> runs)
      throws InterruptedException, ExecutionException {
    double[] ratios = new double[runs.size()];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = runs.get(i).get();
    }
    return ratios;
  }

  static String markdown(List<Row> rows, int keys, int warmUp, int measured, int runs) {
    StringBuilder out = new StringBuilder();
    out.append("# Hit ratio: lru vs tinylfu on Zipf traces\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "`bench/hit-ratio.sh` (`HitRatioStudy`), %s. %,d keys. For each Zipf exponent s, one trace of %,d reads"
                + " drawn with a fixed seed (%d), the same for every policy: the first %,d warm the cache, the hit"
                + " ratio (1 − loads / reads) is over the last %,d. Each policy is the proxy's own cache"
                + " (`LocalCaches.create`) with a clock that never moves, so only the capacity evicts. lru is exact"
                + " and reproducible; Caffeine admits a few candidates at random (against hash flooding), so tinylfu"
                + " and the bare Caffeine cache are the mean of %d runs, with their range.%n%n"
                + "References: the same trace through a bare synchronous Caffeine `Cache` (`maximumSize`; each load"
                + " completes inside `get`, where the proxy's cache inserts a future and completes it afterwards),"
                + " and the share of reads that go to the C most popular keys, which on a trace of independent draws"
                + " is the best hit ratio a policy can expect without seeing the future.%n%n",
            Instant.now().truncatedTo(ChronoUnit.MINUTES),
            keys,
            warmUp + measured,
            SEED,
            warmUp,
            measured,
            runs));
    out.append(
        "| Zipf s | capacity C | lru | tinylfu | tinylfu − lru | bare Caffeine `Cache` | top-C keys |\n");
    out.append("|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d %% (%,d keys) | %.1f %% | %s | %+.1f points | %s | %.1f %% |%n",
              row.s(),
              Math.round(row.capacityShare() * 100),
              row.capacity(),
              100 * row.lru(),
              meanAndRange(row.tinylfu()),
              100 * (mean(row.tinylfu()) - row.lru()),
              meanAndRange(row.caffeine()),
              100 * row.topKeys()));
    }
    return out.toString();
  }

  private static String meanAndRange(double[] runs) {
    if (runs.length == 1) {
      return String.format(Locale.ROOT, "%.1f %%", 100 * runs[0]);
    }
    return String.format(
        Locale.ROOT,
        "%.1f %% (%.1f–%.1f)",
        100 * mean(runs),
        100 * Arrays.stream(runs).min().orElseThrow(),
        100 * Arrays.stream(runs).max().orElseThrow());
  }
}
