package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import io.github.redisproxy.testing.RunningProxy;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CACHE_INVALIDATION=tracking, the default: however a key the proxy cached changes in Redis
 * (written, deleted, expired, renamed, flushed), Redis reports it on the proxy's connection and the
 * proxy drops it, so the next read loads what Redis holds now. "Within 100 ms" is measured from the
 * moment the Redis command returned to the moment the proxy's answer arrived, asking about a
 * millisecond apart; an answer that arrives later fails, even if right.
 *
 * <p>Two proxies share this class's Redis (the first also speaks RESP). {@link
 * RedisServerExtension} flushes Redis before every test, and Redis reports a flush to every
 * tracking connection; each test first waits until both proxies have applied it, so that the flush
 * cannot remove a load the test starts and every count is exact.
 */
class InvalidationIT {
  private static final Duration REFLECTED = Duration.ofMillis(100);
  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern FLUSHED =
      Pattern.compile(
          "Redis flushed its keys \\(FLUSHALL or FLUSHDB\\): cleared (\\d+) cached keys$");
  private static final Pattern TRACKING_LOST =
      Pattern.compile("Lost the connection that carries invalidations: cleared (\\d+) cached keys");
  private static final Pattern TRACKING_ON =
      Pattern.compile("Invalidation tracking is on for Redis at ");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  private static Map<Long, String> first;

  /** HTTP and RESP. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  /** Redis' connections from {@link #proxy}, noted before {@link #second} starts. */
  @RegisterExtension
  @Order(3)
  static final BeforeAllCallback noteFirstConnections = context -> first = proxyConnections();

  /** HTTP; one test kills its connection to Redis. */
  @RegisterExtension
  @Order(4)
  static final ProxyExtension second = ProxyExtension.builder().redis(redis).build();

  /** Redis' id for the connection of {@link #second}, as {@code CLIENT LIST} shows it. */
  private static long secondConnection;

  private static final ProxyClient http = proxy.http();
  private static final ProxyClient secondHttp = second.http();
  private static final RedisClient respClient = proxy.respClient();

  /** The FLUSHALLs Redis has run since both proxies started: each proxy logs one line for each. */
  private static int flushes;

  @BeforeAll
  static void findTheSecondProxysConnection() {
    Map<Long, String> started = newConnections(first);
    assertEquals(1, started.size(), "the second proxy's connection, named redis-proxy: " + started);
    secondConnection = started.keySet().iterator().next();
    assertTrue(flags(started.get(secondConnection)).contains("t"), "tracking: " + started);
  }

  @BeforeEach
  void awaitTheFlushBeforeThisTest() {
    flushes++; // RedisServerExtension ran FLUSHALL just before this method
    proxy.awaitLog(FLUSHED, flushes, LOG_TIMEOUT);
    second.awaitLog(FLUSHED, flushes, LOG_TIMEOUT);
  }

  /**
   * A key SET in Redis is served with its new value within 100 ms and the first read after it
   * reaches Redis.
   */
  @Test
  void setInRedisIsServedWithin100Ms() {
    redis.commands().set("inv:set", "old");
    expect(http, "inv:set", 200, "old", "MISS");
    expect(http, "inv:set", 200, "old", "HIT");
    assertEquals(1, redis.getCalls());

    redis.commands().set("inv:set", "new");
    long written = System.nanoTime();
    Answer reloaded =
        reflectedWithin(
            REFLECTED,
            written,
            "the new value",
            () -> read(http, "inv:set"),
            Answer.is(200, "new"));
    assertEquals("MISS", reloaded.cache(), "the first answer with the new value");
    assertEquals(
        2, redis.getCalls(), "every read before it was a hit, and it loaded the new value");
    expect(http, "inv:set", 200, "new", "HIT");
    assertEquals(2, redis.getCalls());
  }

  /** A key deleted (DEL) in Redis is 404 within 100 ms. */
  @Test
  void delInRedisIs404Within100Ms() {
    redis.commands().set("inv:del", "doomed");
    expect(http, "inv:del", 200, "doomed", "MISS");
    expect(http, "inv:del", 200, "doomed", "HIT");

    redis.commands().del("inv:del");
    long deleted = System.nanoTime();
    reflectedWithin(REFLECTED, deleted, "404", () -> read(http, "inv:del"), Answer.ABSENT);
    assertEquals(2, redis.getCalls(), "every read before the 404 was a hit");
  }

  /**
   * A key that expires in Redis is 404 within 100 ms of the expiry cycle that removes it.
   *
   * <p>The bound here is 50 ms + 100 ms + 100 ms from the PEXPIRE, not 50 ms + 100 ms: the proxy
   * asks Redis nothing while it serves hits, so nothing makes Redis expire the key lazily; Redis
   * deletes it (and reports it) in its active expiry cycle, which runs {@code hz} = 10 times a
   * second, so up to 100 ms after the key's time is up. (PEXPIRE itself changes the key too, so
   * Redis reports the key at once as well; the proxy reloads it, still there, and the expiry is
   * reported for that read.)
   */
  @Test
  void expiryInRedisIs404Within100Ms() {
    redis.commands().set("inv:expire", "short-lived");
    expect(http, "inv:expire", 200, "short-lived", "MISS");
    expect(http, "inv:expire", 200, "short-lived", "HIT");

    assertTrue(redis.commands().pexpire("inv:expire", 50));
    long expiring = System.nanoTime();
    Duration ttlPlusExpiryCycle = Duration.ofMillis(50 + 100);
    reflectedWithin(
        ttlPlusExpiryCycle.plus(REFLECTED),
        expiring,
        "404",
        () -> read(http, "inv:expire"),
        Answer.ABSENT);
  }

  /**
   * RENAME of one cached key onto another makes the source 404 and the destination serve its value
   * within 100 ms.
   */
  @Test
  void renameInRedisIsServedWithin100Ms() {
    redis.commands().set("inv:from", "moved value");
    redis.commands().set("inv:to", "overwritten value");
    expect(http, "inv:from", 200, "moved value", "MISS");
    expect(http, "inv:to", 200, "overwritten value", "MISS");
    expect(http, "inv:from", 200, "moved value", "HIT");
    expect(http, "inv:to", 200, "overwritten value", "HIT");

    redis.commands().rename("inv:from", "inv:to");
    long renamed = System.nanoTime();
    reflectedWithin(
        REFLECTED,
        renamed,
        "the source 404 and the destination with its value",
        () -> List.of(read(http, "inv:from"), read(http, "inv:to")),
        answers ->
            Answer.ABSENT.test(answers.get(0))
                && Answer.is(200, "moved value").test(answers.get(1)));
  }

  /**
   * FLUSHALL removes every cached key within 100 ms and is logged with how many keys it cleared.
   */
  @Test
  void flushallClearsTheCacheWithin100Ms() {
    List<String> keys = List.of("inv:flush1", "inv:flush2", "inv:flush3");
    for (String key : keys) {
      redis.commands().set(key, "value of " + key);
      expect(http, key, 200, "value of " + key, "MISS");
      expect(http, key, 200, "value of " + key, "HIT");
    }

    redis.commands().flushall();
    long flushed = System.nanoTime();
    flushes++;
    reflectedWithin(
        REFLECTED,
        flushed,
        "every key 404",
        () -> keys.stream().map(key -> read(http, key)).toList(),
        answers -> answers.stream().allMatch(Answer.ABSENT));
    String line = proxy.awaitLog(FLUSHED, flushes, LOG_TIMEOUT).get(flushes - 1);
    assertTrue(line.endsWith("cleared 3 cached keys"), line);
    // It cached none of them, but heard the flush too.
    second.awaitLog(FLUSHED, flushes, LOG_TIMEOUT);
  }

  /** Two proxies that both cached a key both serve its new value within 100 ms of one SET. */
  @Test
  void twoProxiesBothServeTheNewValue() {
    redis.commands().set("inv:shared", "old");
    for (ProxyClient client : List.of(http, secondHttp)) {
      expect(client, "inv:shared", 200, "old", "MISS");
      expect(client, "inv:shared", 200, "old", "HIT");
    }
    assertEquals(2, redis.getCalls());

    redis.commands().set("inv:shared", "new");
    long written = System.nanoTime();
    reflectedWithin(
        REFLECTED,
        written,
        "the new value from both proxies",
        () -> List.of(read(http, "inv:shared"), read(secondHttp, "inv:shared")),
        answers -> answers.stream().allMatch(Answer.is(200, "new")));
    assertEquals(4, redis.getCalls(), "one reload per proxy");
  }

  /**
   * While a writer races eight readers on two proxies, no reader sees the value go back, and both
   * serve the last write within 100 ms.
   *
   * <p>The classic race of a cache in front of a store: a load reads a value, the key changes, and
   * the stale value is cached after the invalidation was handled. One writer sets the key to 1, 2,
   * 3 ... as fast as Lettuce's sync API allows while eight readers (four per proxy) read it in a
   * loop. When the writer stops, both proxies must serve its last value within 100 ms. It stops
   * after 2,000 writes, or after 2 s on a machine too slow for that (under failsafe the proxies run
   * with Netty's paranoid leak detection, and on two busy cores one write took 7 ms).
   *
   * <p>Each reader also checks that it never sees the value go back. Within one proxy this must
   * hold: the proxy reads over one connection, and Redis writes both replies and invalidations to
   * it in the order it ran the commands. Suppose a reader got value n from load L (its reply, or a
   * hit on the entry L filled); any entry holding m &lt; n was filled by a GET that ran before the
   * write of m + 1, which ran before L's GET; so Redis sent the invalidation for that write before
   * L's reply, and the proxy removed that entry (or, if its load was still in flight, dropped it
   * when it completed, which was before L could start) before it answered anyone with n. A later
   * request then finds no entry older than n, or starts a GET that runs after L's. Across proxies
   * it need not hold (each hears invalidations on its own connection, at its own pace), so each
   * reader reads from one proxy only.
   */
  @Test
  void racingReadersNeverSeeTheValueGoBack() throws Exception {
    String key = "inv:race";
    int mostWrites = 2000;
    Duration mostWriting = Duration.ofSeconds(2);
    int readersPerProxy = 4;
    redis.commands().set(key, "0");
    expect(http, key, 200, "0", "MISS");
    expect(secondHttp, key, 200, "0", "MISS");

    List<ProxyExtension> proxies = List.of(proxy, second);
    ExecutorService threads = Executors.newFixedThreadPool(proxies.size() * readersPerProxy + 1);
    try {
      AtomicBoolean writing = new AtomicBoolean(true);
      CountDownLatch everyReaderHasRead = new CountDownLatch(proxies.size() * readersPerProxy);
      List<CompletableFuture<Reader>> readers = new ArrayList<>();
      for (ProxyExtension each : proxies) {
        for (int i = 0; i < readersPerProxy; i++) {
          String name = each + " reader " + i;
          ProxyClient client = new ProxyClient(each);
          readers.add(
              CompletableFuture.supplyAsync(
                  () -> readUntilStopped(name, client, key, writing, everyReaderHasRead), threads));
        }
      }
      assertTrue(everyReaderHasRead.await(20, TimeUnit.SECONDS), "every reader has read once");

      CompletableFuture<LastWrite> writer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  RedisCommands<String, String> commands = redis.commands();
                  long start = System.nanoTime();
                  int value = 0;
                  while (value < mostWrites && System.nanoTime() - start < mostWriting.toNanos()) {
                    value++;
                    commands.set(key, Integer.toString(value));
                  }
                  return new LastWrite(value, System.nanoTime());
                } finally {
                  writing.set(false);
                }
              },
              threads);
      LastWrite last = writer.get(60, TimeUnit.SECONDS);

      reflectedWithin(
          REFLECTED,
          last.returned(),
          "the last write (" + last.value() + ") from both proxies",
          () -> List.of(read(http, key), read(secondHttp, key)),
          answers -> answers.stream().allMatch(Answer.is(200, Integer.toString(last.value()))));

      for (CompletableFuture<Reader> pending : readers) {
        Reader reader = pending.get(30, TimeUnit.SECONDS);
        String context =
            reader.name() + ", " + reader.reads() + " reads of " + last.value() + " writes";
        assertEquals(List.of(), reader.problems(), context);
        assertTrue(reader.reads() > 1, "read while the writer wrote: " + context);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** The writer's last value, and the {@link System#nanoTime()} at which its SET returned. */
  private record LastWrite(int value, long returned) {}

  /** What one reader saw: how often it read, and every answer that was not 200 or went back. */
  private record Reader(String name, int reads, long highest, List<String> problems) {}

  private static Reader readUntilStopped(
      String name,
      ProxyClient client,
      String key,
      AtomicBoolean writing,
      CountDownLatch everyReaderHasRead) {
    int reads = 0;
    long highest = -1;
    List<String> problems = new ArrayList<>();
    do {
      Answer answer = read(client, key);
      reads++;
      if (reads == 1) {
        everyReaderHasRead.countDown();
      }
      if (answer.status() != 200) {
        problems.add("read " + reads + ": " + answer);
        continue;
      }
      long value = Long.parseLong(answer.value());
      if (value < highest) {
        problems.add("read " + reads + ": " + value + " (" + answer.cache() + ") after " + highest);
      }
      highest = Math.max(highest, value);
    } while (writing.get() && problems.size() < 10);
    return new Reader(name, reads, highest, problems);
  }

  /**
   * After CLIENT KILL of its connection, the proxy clears its cache, turns tracking back on and
   * reflects a SET within 100 ms.
   *
   * <p>The second proxy's connection is killed from Redis' side. It is this class's proxy, not one
   * of the test's own (which would take seconds to start), so the counts are exact only because no
   * other test kills a connection, and the test ends with tracking back on.
   */
  @Test
  void clientKillClearsTheCacheAndTrackingResumes() {
    int lostBefore = second.linesMatching(TRACKING_LOST).size();
    int onBefore = second.linesMatching(TRACKING_ON).size();
    redis.commands().set("inv:kill", "before");
    expect(secondHttp, "inv:kill", 200, "before", "MISS");
    expect(secondHttp, "inv:kill", 200, "before", "HIT");

    Map<Long, String> others = proxyConnections();
    others.remove(secondConnection);
    assertEquals(1L, redis.commands().clientKill(KillArgs.Builder.id(secondConnection)));
    String lost = second.awaitLog(TRACKING_LOST, lostBefore + 1, LOG_TIMEOUT).get(lostBefore);
    assertTrue(lost.contains("cleared 1 cached keys"), lost);
    second.awaitLog(TRACKING_ON, onBefore + 1, LOG_TIMEOUT);

    Map<Long, String> reconnected = newConnections(others);
    assertEquals(
        1, reconnected.size(), "the proxy's connection after the reconnect: " + reconnected);
    long killed = secondConnection;
    secondConnection = reconnected.keySet().iterator().next();
    assertNotEquals(killed, secondConnection);
    assertTrue(
        flags(reconnected.get(secondConnection)).contains("t"), "tracking again: " + reconnected);

    expect(secondHttp, "inv:kill", 200, "before", "MISS"); // the cache was cleared
    expect(secondHttp, "inv:kill", 200, "before", "HIT"); // and caches again
    redis.commands().set("inv:kill", "after");
    long written = System.nanoTime();
    reflectedWithin(
        REFLECTED,
        written,
        "the new value",
        () -> read(secondHttp, "inv:kill"),
        Answer.is(200, "after"));

    assertEquals(1.0, second.metric("redis_proxy_invalidations_total{kind=\"tracking_lost\"}"));
    assertEquals(1.0, second.metric("redis_proxy_invalidation_tracking"));
  }

  /**
   * With CACHE_INVALIDATION=none a key changed in Redis is still served from the cache.
   *
   * <p>The TTL-only mode stays as it was: a value changed in Redis is served from the cache (a hit;
   * Redis sees no GET) until GLOBAL_CACHE_EXPIRY, here ten minutes. The test watches it for 300 ms,
   * three times the tracking bound.
   */
  @Test
  void ttlOnlyProxyServesChangedKeyFromCache() {
    try (ProxyProcess ttlOnly =
        ProxyExtension.builder()
            .redis(redis)
            .env("CACHE_INVALIDATION", "none")
            .env("GLOBAL_CACHE_EXPIRY", "600")
            .start()) {
      redis.resetStats(); // the readiness probe's GET
      ProxyClient client = new ProxyClient(ttlOnly);
      redis.commands().set("inv:none", "old");
      expect(client, "inv:none", 200, "old", "MISS");

      redis.commands().set("inv:none", "new");
      long written = System.nanoTime();
      int reads = 0;
      while (System.nanoTime() - written < 3 * REFLECTED.toNanos()) {
        expect(client, "inv:none", 200, "old", "HIT");
        reads++;
        pauseBetweenReads();
      }
      assertTrue(reads > 1, "reads in 300 ms: " + reads);
      assertEquals(1, redis.getCalls(), "Redis saw the first load only");

      String stats = cacheStats(ttlOnly);
      assertTrue(stats.contains("\"invalidation\":\"none\""), stats);
      assertEquals(1.0, ttlOnly.metric("redis_proxy_invalidation_tracking"), "always 1 under none");
      assertEquals(0.0, ttlOnly.metric("redis_proxy_invalidations_total{kind=\"key\"}"));
      ttlOnly.closeAndAssertNoErrorsLogged();
    }
  }

  /**
   * A key read over RESP and changed in Redis is served over RESP with its new value within 100 ms.
   */
  @Test
  void respReaderSeesTheNewValueWithin100Ms() {
    try (StatefulRedisConnection<String, String> connection =
        respClient.connect(StringCodec.UTF8, proxy.respUri(Duration.ofSeconds(10)))) {
      RedisCommands<String, String> resp = connection.sync();
      redis.commands().set("inv:resp", "old");
      assertEquals("old", resp.get("inv:resp"));
      assertEquals("old", resp.get("inv:resp"));
      assertEquals(1, redis.getCalls(), "the second GET was a hit");

      redis.commands().set("inv:resp", "new");
      long written = System.nanoTime();
      reflectedWithin(
          REFLECTED, written, "the new value over RESP", () -> resp.get("inv:resp"), "new"::equals);
      assertEquals(2, redis.getCalls());
      expect(http, "inv:resp", 200, "new", "HIT"); // one cache for both front ends
    }
  }

  /**
   * Metrics, {@code /cache/stats} and INFO count each invalidated key exactly once.
   *
   * <p>Three keys cached, one SET and one DEL in Redis: exactly two invalidated entries and exactly
   * two keys reported, in the metrics, in {@code /cache/stats} and in {@code INFO cache}. Exact,
   * because Redis reports a key once per read that preceded a write (the read puts the key in its
   * tracking table for the connection, the write reports it and takes it out), and after the two
   * writes nothing writes again; the third key is never written.
   */
  @Test
  void invalidatedKeysAreCountedOnce() {
    String evictions = "redis_proxy_cache_evictions_total{cause=\"invalidated\"}";
    String keyInvalidations = "redis_proxy_invalidations_total{kind=\"key\"}";
    String flushInvalidations = "redis_proxy_invalidations_total{kind=\"flush\"}";
    String lostTracking = "redis_proxy_invalidations_total{kind=\"tracking_lost\"}";
    double evictionsBefore = proxy.metric(evictions);
    double keysBefore = proxy.metric(keyInvalidations);
    double flushesBefore = proxy.metric(flushInvalidations);
    long statsBefore = invalidatedInStats();
    long infoBefore = Long.parseLong(infoCache().get("cache_evictions_invalidated"));

    for (String key : List.of("inv:m1", "inv:m2", "inv:m3")) {
      redis.commands().set(key, "value of " + key);
      expect(http, key, 200, "value of " + key, "MISS");
    }
    redis.commands().set("inv:m1", "changed");
    redis.commands().del("inv:m2");
    long written = System.nanoTime();
    reflectedWithin(
        REFLECTED,
        written,
        "the SET and the DEL",
        () -> List.of(read(http, "inv:m1"), read(http, "inv:m2")),
        answers ->
            Answer.is(200, "changed").test(answers.get(0)) && Answer.ABSENT.test(answers.get(1)));
    expect(http, "inv:m3", 200, "value of inv:m3", "HIT");

    assertEquals(2.0, proxy.metric(evictions) - evictionsBefore, evictions);
    assertEquals(2.0, proxy.metric(keyInvalidations) - keysBefore, keyInvalidations);
    assertEquals(0.0, proxy.metric(flushInvalidations) - flushesBefore, flushInvalidations);
    assertEquals(0.0, proxy.metric(lostTracking), lostTracking);
    assertEquals(1.0, proxy.metric("redis_proxy_invalidation_tracking"));
    assertEquals(2, invalidatedInStats() - statsBefore, "/cache/stats evictions.invalidated");
    Map<String, String> info = infoCache();
    assertEquals(
        2,
        Long.parseLong(info.get("cache_evictions_invalidated")) - infoBefore,
        "INFO cache_evictions_invalidated");
    assertEquals("tracking", info.get("cache_invalidation_mode"));
  }

  // ---- reading

  /** One answer of the proxy: status, body as text, X-Cache. */
  private record Answer(int status, String value, String cache) {
    /** No such key in Redis. */
    static final Predicate<Answer> ABSENT = answer -> answer.status() == 404;

    static Predicate<Answer> is(int status, String value) {
      return answer -> answer.status() == status && answer.value().equals(value);
    }
  }

  private static Answer read(ProxyClient client, String key) {
    HttpResponse<byte[]> response = client.get("/" + key);
    return new Answer(
        response.statusCode(),
        new String(response.body(), StandardCharsets.UTF_8),
        response.headers().firstValue("X-Cache").orElse("(none)"));
  }

  private static void expect(
      ProxyClient client, String key, int status, String value, String cache) {
    assertEquals(new Answer(status, value, cache), read(client, key), "GET /" + key);
  }

  /**
   * Reads until {@code done} accepts the answer, about a millisecond apart, and returns that
   * answer; fails unless it arrived within {@code bound} of {@code since} (the {@link
   * System#nanoTime()} at which the Redis command returned).
   */
  private static <T> T reflectedWithin(
      Duration bound, long since, String what, Supplier<T> read, Predicate<T> done) {
    int reads = 0;
    while (true) {
      T answer = read.get();
      reads++;
      long elapsed = System.nanoTime() - since;
      if (done.test(answer)) {
        if (elapsed > bound.toNanos()) {
          fail(
              what
                  + " only after "
                  + millis(elapsed)
                  + " ms ("
                  + reads
                  + " reads), not within "
                  + bound);
        }
        return answer;
      }
      if (elapsed > bound.toNanos()) {
        fail(
            "not "
                + what
                + " within "
                + bound
                + " ("
                + reads
                + " reads); the last answer: "
                + answer);
      }
      pauseBetweenReads();
    }
  }

  private static String millis(long nanos) {
    return String.format("%.1f", nanos / 1e6);
  }

  private static void pauseBetweenReads() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long invalidatedInStats() {
    String stats = cacheStats(proxy);
    assertTrue(stats.contains("\"invalidation\":\"tracking\""), stats);
    Matcher invalidated = Pattern.compile("\"invalidated\":(\\d+)").matcher(stats);
    assertTrue(invalidated.find(), stats);
    return Long.parseLong(invalidated.group(1));
  }

  /** The management port's {@code GET /cache/stats}: JSON. */
  private static String cacheStats(RunningProxy process) {
    HttpResponse<byte[]> stats = new ProxyClient(process.managementPort()).get("/cache/stats");
    assertEquals(200, stats.statusCode());
    return new String(stats.body(), StandardCharsets.UTF_8);
  }

  private static Map<String, String> infoCache() {
    try (StatefulRedisConnection<String, String> connection =
        respClient.connect(StringCodec.UTF8, proxy.respUri(Duration.ofSeconds(10)))) {
      Map<String, String> fields = new HashMap<>();
      for (String line : connection.sync().info("cache").split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith("#")) {
          fields.put(line.substring(0, colon), line.substring(colon + 1));
        }
      }
      return fields;
    }
  }

  // ---- Redis' view of the proxies' connections

  /**
   * {@code CLIENT LIST}: the connections named {@code redis-proxy}, by id, each as its whole line.
   */
  private static Map<Long, String> proxyConnections() {
    Map<Long, String> connections = new HashMap<>();
    for (String line : redis.commands().clientList().split("\n")) {
      Map<String, String> fields = fields(line);
      if ("redis-proxy".equals(fields.get("name"))) {
        connections.put(Long.parseLong(fields.get("id")), line.trim());
      }
    }
    return connections;
  }

  /** The proxy connections that are not among {@code before}. */
  private static Map<Long, String> newConnections(Map<Long, String> before) {
    Map<Long, String> connections = proxyConnections();
    connections.keySet().removeAll(before.keySet());
    return connections;
  }

  private static String flags(String clientListLine) {
    return fields(clientListLine).get("flags");
  }

  private static Map<String, String> fields(String clientListLine) {
    Map<String, String> fields = new HashMap<>();
    for (String field : clientListLine.trim().split(" ")) {
      int equals = field.indexOf('=');
      if (equals > 0) {
        fields.put(field.substring(0, equals), field.substring(equals + 1));
      }
    }
    return fields;
  }
}
