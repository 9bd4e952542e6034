package io.github.redisproxy.bench;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.github.redisproxy.cache.CacheRead;
import io.github.redisproxy.cache.EvictionCause;
import io.github.redisproxy.cache.LocalCache;
import io.github.redisproxy.cache.LocalCaches;
import io.github.redisproxy.config.CacheConfig;
import io.github.redisproxy.config.CachePolicy;
import io.github.redisproxy.lookup.Key;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Heap per entry of the proxy's local cache, in process: for each policy, the real cache ({@link
 * LocalCaches#create}, the proxy's {@link Key} type, {@code byte[]} values as Lettuce's {@code
 * ByteArrayCodec} returns them) filled with ENTRIES keys {@code key:0000000}, {@code key:0000001},
 * … (11 bytes each) of VALUE_BYTES-byte values, capacity ENTRIES, expiry one day; beside it the
 * same data in bare structures as baselines: the key and value objects alone, a {@link
 * ConcurrentHashMap}, and Caffeine's own {@code Cache} and {@code AsyncCache}.
 *
 * <p>Each row is the used heap after full garbage collections (repeated until the figure is stable)
 * with the structure filled, minus the same before it was built, divided by ENTRIES. Before
 * measuring, every key is read back and must be a hit, and the size must be exactly ENTRIES with no
 * eviction: a load completes through the cache's bookkeeping, and nothing counts that is not there.
 *
 * <p>{@code java -Xmx512m -cp target/test-classes:target/redis-proxy.jar
 * io.github.redisproxy.bench.CacheFootprint [ENTRIES] [VALUE_BYTES]} (defaults 1000000 and 100);
 * prints a Markdown table. bench/memory.sh runs it. Exits 1 if a cache did not hold every entry.
 */
public final class CacheFootprint {
  private static final Duration EXPIRY = Duration.ofDays(1);
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  /** Keeps the structure under measurement reachable while the heap is measured. */
  private static volatile Object held;

  private CacheFootprint() {}

  /**
   * Builds and fills one structure; returns it, or throws {@link IllegalStateException} if it lacks
   * an entry.
   */
  @FunctionalInterface
  private interface Filler {
    Object fill(int entries, IntFunction<Key> keys, int valueBytes);
  }

  private record Subject(String name, Filler filler) {}

  public static void main(String[] args) {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int valueBytes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int keyBytes = keyName(0).length();
    List<Subject> subjects =
        List.of(
            new Subject("`ConcurrentHashMap<Key, byte[]>`", CacheFootprint::concurrentHashMap),
            new Subject(
                "Caffeine `Cache`, maximumSize + expireAfterWrite (values, not futures)",
                CacheFootprint::caffeineSync),
            new Subject(
                "Caffeine `AsyncCache`, maximumSize + expireAfterWrite (raw baseline of `tinylfu`)",
                (n, k, v) -> caffeineAsync(n, k, v, true)),
            new Subject(
                "Caffeine `AsyncCache`, unbounded + expireAfterWrite (the map under `lru`)",
                (n, k, v) -> caffeineAsync(n, k, v, false)),
            new Subject(
                "**proxy cache, `CACHE_POLICY=tinylfu`**",
                (n, k, v) -> proxyCache(CachePolicy.TINYLFU, n, k, v)),
            new Subject(
                "**proxy cache, `CACHE_POLICY=lru`**",
                (n, k, v) -> proxyCache(CachePolicy.LRU, n, k, v)));

    System.out.printf(
        Locale.ROOT,
        "CacheFootprint: %,d entries, keys \"%s\" .. \"%s\" (%d bytes), values byte[%d]; %s, max heap %d MB,"
            + " compressed oops %s, GC %s%n%n",
        entries,
        keyName(0),
        keyName(entries - 1),
        keyBytes,
        valueBytes,
        System.getProperty("java.vm.name") + " " + Runtime.version(),
        Runtime.getRuntime().maxMemory() / (1 << 20),
        vmOption("UseCompressedOops"),
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(" + ")));

    long payload = keyBytes + valueBytes;
    StringBuilder table = new StringBuilder();
    table
        .append("| structure | heap MB | bytes/entry | beyond payload (")
        .append(payload)
        .append(" B) |")
        .append(" beyond key + value objects |\n|---|---|---|---|---|\n");
    double objects = objectsAlone(entries, valueBytes);
    table.append(
        String.format(
            Locale.ROOT,
            "| key and value objects alone (in two arrays, which are not counted) | %.1f | %.1f | %.1f | 0 |%n",
            objects * entries / 1048576.0,
            objects,
            objects - payload));
    boolean allHeld = true;
    for (Subject subject : subjects) {
      long before = usedAfterGc();
      long start = System.nanoTime();
      try {
        held = subject.filler().fill(entries, CacheFootprint::key, valueBytes);
      } catch (IllegalStateException e) {
        System.out.println("FAILED " + subject.name() + ": " + e.getMessage());
        allHeld = false;
        held = null;
        continue;
      }
      long fillMillis = (System.nanoTime() - start) / 1_000_000;
      long after = usedAfterGc();
      held = null;
      long bytes = after - before;
      double perEntry = (double) bytes / entries;
      table.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %.1f | %.1f |%n",
              subject.name(),
              bytes / 1048576.0,
              perEntry,
              perEntry - payload,
              perEntry - objects));
      System.err.printf(
          Locale.ROOT,
          "%s: %.1f bytes/entry (filled in %d ms)%n",
          subject.name(),
          perEntry,
          fillMillis);
    }
    System.out.print(table);
    System.out.printf(
        Locale.ROOT,
        "%nPayload: %d key bytes + %d value bytes = %d B. Layout with compressed oops (12-byte headers, 8-byte"
            + " alignment): a byte[%d] is 16 + %d = %d B, a byte[%d] %d B, a Key (array reference + cached hash) %d B,"
            + " so the key and value objects alone take %d B (measured: %.1f B).%n",
        keyBytes,
        valueBytes,
        payload,
        valueBytes,
        valueBytes,
        align(16 + valueBytes),
        keyBytes,
        align(16 + keyBytes),
        align(12 + 4 + 4),
        align(16 + valueBytes) + align(16 + keyBytes) + align(12 + 4 + 4),
        objects);
    if (!allHeld) {
      System.exit(1);
    }
  }

  /**
   * {@code key:0000042}: 11 bytes for up to ten million keys, as the proxy would decode {@code GET
   * /key:0000042}.
   */
  static String keyName(int n) {
    String digits = Integer.toString(n);
    return "key:" + "0000000".substring(Math.min(7, digits.length())) + digits;
  }

  private static Key key(int n) {
    return Key.of(keyName(n));
  }

  /**
   * Bytes per entry of the key and value objects alone: the arrays that hold them are allocated
   * (and measured) first, so that neither their size nor G1's rounding of such large arrays up to
   * whole regions counts.
   */
  private static double objectsAlone(int entries, int valueBytes) {
    Key[] keys = new Key[entries];
    byte[][] values = new byte[entries][];
    long before = usedAfterGc();
    for (int i = 0; i < entries; i++) {
      keys[i] = key(i);
      values[i] = new byte[valueBytes];
    }
    long after = usedAfterGc();
    Reference.reachabilityFence(keys);
    Reference.reachabilityFence(values);
    return (double) (after - before) / entries;
  }

  private static Object concurrentHashMap(int entries, IntFunction<Key> keys, int valueBytes) {
    ConcurrentHashMap<Key, byte[]> map = new ConcurrentHashMap<>();
    for (int i = 0; i < entries; i++) {
      map.put(keys.apply(i), new byte[valueBytes]);
    }
    check(map.size() == entries, "size " + map.size());
    return map;
  }

  private static Object caffeineSync(int entries, IntFunction<Key> keys, int valueBytes) {
    Cache<Key, byte[]> cache =
        Caffeine.newBuilder().maximumSize(entries).expireAfterWrite(EXPIRY).build();
    for (int i = 0; i < entries; i++) {
      cache.put(keys.apply(i), new byte[valueBytes]);
    }
    cache.cleanUp();
    check(cache.estimatedSize() == entries, "estimatedSize " + cache.estimatedSize());
    for (int i = 0; i < entries; i++) {
      check(cache.getIfPresent(keys.apply(i)) != null, "missing " + keyName(i));
    }
    return cache;
  }

  private static Object caffeineAsync(
      int entries, IntFunction<Key> keys, int valueBytes, boolean bounded) {
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder().expireAfterWrite(EXPIRY).executor(Runnable::run);
    if (bounded) {
      builder.maximumSize(entries);
    }
    AsyncCache<Key, byte[]> cache = builder.buildAsync();
    for (int i = 0; i < entries; i++) {
      cache.put(keys.apply(i), CompletableFuture.completedFuture(new byte[valueBytes]));
    }
    cache.synchronous().cleanUp();
    long size = cache.synchronous().estimatedSize();
    check(size == entries, "estimatedSize " + size);
    for (int i = 0; i < entries; i++) {
      CompletableFuture<byte[]> value = cache.getIfPresent(keys.apply(i));
      check(value != null && value.getNow(null) != null, "missing " + keyName(i));
    }
    return cache;
  }

  /**
   * The proxy's cache, filled as the proxy fills it: a miss per key, whose load completes at once
   * with a new array (the proxy's loader completes on Lettuce's thread; the cache's bookkeeping is
   * the same).
   */
  private static Object proxyCache(
      CachePolicy policy, int entries, IntFunction<Key> keys, int valueBytes) {
    LocalCache<Key, byte[]> cache =
        LocalCaches.create(
            new CacheConfig(entries, EXPIRY, policy),
            Ticker.systemTicker(),
            (Key key, CompletableFuture<byte[]> result) -> result.complete(new byte[valueBytes]));
    for (int i = 0; i < entries; i++) {
      CacheRead<byte[]> read = cache.get(keys.apply(i));
      check(
          read.source() == CacheRead.Source.STARTED_LOAD && read.value().isDone(),
          "no load for " + keyName(i));
    }
    for (int i = 0; i < entries; i++) {
      CacheRead<byte[]> read = cache.get(keys.apply(i));
      check(read.hit() && read.value().getNow(null) != null, "not a hit: " + keyName(i));
    }
    check(cache.estimatedSize() == entries, "estimatedSize " + cache.estimatedSize());
    for (EvictionCause cause : EvictionCause.values()) {
      check(cache.evictionCount(cause) == 0, cause + " evictions: " + cache.evictionCount(cause));
    }
    return cache;
  }

  private static void check(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalStateException(problem);
    }
  }

  /** Used heap after full collections, repeated until two successive figures are within 64 KB. */
  private static long usedAfterGc() {
    long previous = Long.MAX_VALUE;
    for (int i = 0; i < 20; i++) {
      System.gc();
      long used = MEMORY.getHeapMemoryUsage().getUsed();
      if (i >= 2 && Math.abs(used - previous) < 64 * 1024) {
        return used;
      }
      previous = used;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return used;
      }
    }
    return previous;
  }

  private static long align(long bytes) {
    return (bytes + 7) / 8 * 8;
  }

  private static String vmOption(String name) {
    return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
        .getVMOption(name)
        .getValue();
  }
}
