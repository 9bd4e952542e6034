package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.redisproxy.testing.ManagementClient;
import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisClusterExtension;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy in front of a real 3-master, 3-replica Redis Cluster on loopback: every shard is read,
 * concurrent misses still share one GET (on the key's owner), every master's writes reach every
 * proxy, replica reads stay coherent, and a lost node connection drops that node's keys only.
 */
class ClusterIT {
  private static final Duration REFLECTED = Duration.ofMillis(500);

  @RegisterExtension
  @Order(1)
  static final RedisClusterExtension cluster = new RedisClusterExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(cluster)
          .resp()
          .env("REDIS_TIMEOUT", "10")
          .env("LOG_LEVEL", "debug")
          .build();

  private static final ProxyClient http = proxy.http();

  private static String body(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** One key owned by each master (by the cluster's own slot map), and their owners. */
  private static List<String> oneKeyPerMaster(String prefix) {
    List<String> keys = new ArrayList<>();
    for (int master : cluster.currentMasterPorts()) {
      keys.add(cluster.keyOwnedBy(master, prefix));
    }
    return keys;
  }

  /**
   * A key's TTL bounds its entry on every master's node connection too: the {@code Cache-Control:
   * max-age} of a key set with {@code PX 5000} is at most 4 s, whichever node owns it (the global
   * expiry is 60 s).
   */
  @Test
  void aKeysTtlBoundsItsEntryOnEveryShard() {
    for (String key : oneKeyPerMaster("ttl:")) {
      cluster.cluster().set(key, "v", SetArgs.Builder.px(5000));
      HttpResponse<byte[]> withTtl = http.get("/" + key);
      assertEquals(200, withTtl.statusCode(), key);
      long maxAge =
          Long.parseLong(
              withTtl.headers().firstValue("Cache-Control").orElseThrow().replace("max-age=", ""));
      assertTrue(maxAge <= 4, key + ": max-age " + maxAge);
    }
  }

  /**
   * Keys of every master, and hash-tagged keys (one slot for one tag), are read over HTTP and RESP;
   * a cross-slot MGET answers in order; absent keys and wrong types answer as with one Redis.
   */
  @Test
  void everyShardIsReadOverHttpAndResp() {
    List<String> keys = oneKeyPerMaster("shard:");
    for (String key : keys) {
      cluster.cluster().set(key, "value of " + key);
    }
    cluster.cluster().set("{user1}.a", "a");
    cluster.cluster().set("{user1}.b", "b");
    cluster.cluster().lpush("a:list", "x");
    assertEquals(
        RedisClusterExtension.slotOf("{user1}.a"), RedisClusterExtension.slotOf("{user1}.b"));

    for (String key : keys) {
      HttpResponse<byte[]> response = http.get("/" + key);
      assertEquals(200, response.statusCode(), key);
      assertEquals("value of " + key, body(response));
      assertEquals("value of " + key, proxy.resp().get(key));
    }
    assertEquals("a", body(http.get("/%7Buser1%7D.a")));
    assertEquals("b", proxy.resp().get("{user1}.b"));

    List<String> mget = new ArrayList<>(keys);
    mget.add("absent");
    List<String> values =
        proxy.resp().mget(mget.toArray(String[]::new)).stream()
            .map(kv -> kv.getValueOrElse(null))
            .toList();
    List<String> expected = new ArrayList<>();
    for (String key : keys) {
      expected.add("value of " + key);
    }
    expected.add(null);
    assertEquals(expected, values);

    assertEquals(404, http.get("/absent").statusCode());
    assertEquals(409, http.get("/a:list").statusCode(), "WRONGTYPE, as with one Redis");
  }

  /** Fifty concurrent misses for one key make exactly one GET, on the node that owns the key. */
  @Test
  void coldBurstMakesOneGetOnTheOwner() throws Exception {
    String key = "cluster:burst";
    cluster.cluster().set(key, "shared");
    int owner = cluster.masterPortFor(key);
    cluster.commands(owner).clientPause(2_000);

    List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      responses.add(http.getAsync("/" + key));
    }
    proxy.awaitLog(
        Pattern.compile("coalesced key=" + Pattern.quote(key) + " joined the load in flight$"),
        49,
        Duration.ofSeconds(10));
    for (CompletableFuture<HttpResponse<byte[]>> pending : responses) {
      HttpResponse<byte[]> response = pending.get(20, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("shared", body(response));
    }
    assertEquals(1, cluster.getCalls(owner), "GETs on the owner for 50 concurrent misses");
    for (int port : cluster.ports()) {
      if (port != owner) {
        assertEquals(0, cluster.getCalls(port), "GETs on node " + port);
      }
    }
  }

  /** A write on any master is seen by each of three proxies within 500 ms. */
  @Test
  void everyMastersWritesReachEveryProxy() {
    try (ProxyProcess second = ProxyExtension.builder().redis(cluster).start();
        ProxyProcess third = ProxyExtension.builder().redis(cluster).start()) {
      List<ProxyClient> proxies =
          List.of(http, new ProxyClient(second.port()), new ProxyClient(third.port()));
      List<String> keys = oneKeyPerMaster("coherent:");
      for (String key : keys) {
        cluster.cluster().set(key, "old");
        for (ProxyClient each : proxies) {
          assertEquals("old", body(each.get("/" + key)));
          assertEquals(Optional.of("HIT"), ProxyClient.xCache(each.get("/" + key)));
        }
      }
      for (String key : keys) {
        cluster.cluster().set(key, "new");
        long written = System.nanoTime();
        for (ProxyClient each : proxies) {
          Polling.until(
              REFLECTED, key + " reflected", () -> body(each.get("/" + key)), "new"::equals);
        }
        assertTrue(
            System.nanoTime() - written < REFLECTED.toNanos() * 2,
            "every proxy saw the write of " + key + " in time");
      }
    }
  }

  /**
   * With READ_FROM=replica the proxy reads from replicas only, and a write replicated to the
   * replica reaches the proxy within 500 ms (the replica reports it when it applies it).
   */
  @Test
  void replicaReadsAreCoherent() {
    try (ProxyProcess replicaReader =
        ProxyExtension.builder().redis(cluster).env("READ_FROM", "replica").start()) {
      ProxyClient reader = new ProxyClient(replicaReader.port());
      String key = "replica:read";
      cluster.cluster().set(key, "v1");
      cluster.waitForReplicas();
      int master = cluster.masterPortFor(key);
      int replica = cluster.replicaPortFor(key);

      // Start-up's readiness probe may have read a key of this shard already.
      long before = cluster.getCalls(replica);
      assertEquals("v1", body(reader.get("/" + key)));
      assertEquals(Optional.of("HIT"), ProxyClient.xCache(reader.get("/" + key)));
      assertEquals(before + 1, cluster.getCalls(replica), "GETs on the replica");
      assertEquals(0, cluster.getCalls(master), "GETs on the master");

      cluster.cluster().set(key, "v2");
      Polling.until(
          REFLECTED, "v2 through the replica", () -> body(reader.get("/" + key)), "v2"::equals);
      assertEquals(0, cluster.getCalls(master), "GETs on the master");
    }
  }

  /**
   * A killed connection to one node drops that node's cached keys within 1 s, the other nodes' keys
   * stay cached, and tracking is armed again on the new connection.
   */
  @Test
  void aLostNodeConnectionDropsOnlyThatNodesKeys() {
    List<String> keys = oneKeyPerMaster("lost:");
    for (String key : keys) {
      cluster.cluster().set(key, key);
      assertEquals(key, body(http.get("/" + key)));
    }
    int victim = cluster.masterPortFor(keys.get(0));
    RedisCommands<String, String> node = cluster.commands(victim);
    long id = trackedProxyConnection(node);
    node.clientKill(io.lettuce.core.KillArgs.Builder.id(id));

    Polling.until(
        Duration.ofSeconds(1),
        "the lost node's key dropped",
        () -> ProxyClient.xCache(http.get("/" + keys.get(0))),
        Optional.of("MISS")::equals);
    for (String other : keys.subList(1, keys.size())) {
      assertEquals(Optional.of("HIT"), ProxyClient.xCache(http.get("/" + other)), other);
      assertEquals(1, cluster.getCalls(cluster.masterPortFor(other)), "GETs on " + other);
    }
    long rearmed =
        Polling.until(
            Duration.ofSeconds(5),
            "the proxy's tracked connection back on " + victim,
            () -> trackedProxyConnection(node),
            newId -> newId != id);
    assertNotEquals(id, rearmed);
    assertTrue(
        proxy.metric(
                "redis_proxy_backend_node_flushed_total{node=\"127.0.0.1:"
                    + victim
                    + "\",reason=\"connection_lost\"}")
            >= 1);
  }

  /** The id of the proxy's connection with tracking on, in the node's CLIENT LIST; -1 if none. */
  private static long trackedProxyConnection(RedisCommands<String, String> node) {
    return Arrays.stream(node.clientList().split("\n"))
        .filter(line -> line.contains(" name=redis-proxy ") && hasFlag(line, 't'))
        .mapToLong(line -> Long.parseLong(field(line, "id")))
        .findFirst()
        .orElse(-1);
  }

  private static boolean hasFlag(String line, char flag) {
    return field(line, "flags").indexOf(flag) >= 0;
  }

  private static String field(String line, String name) {
    for (String part : line.trim().split(" ")) {
      if (part.startsWith(name + "=")) {
        return part.substring(name.length() + 1);
      }
    }
    return "";
  }

  /**
   * /health lists the six nodes, the three masters read with tracking armed; INFO backend says the
   * same; the per-node read meters count each master's reads.
   */
  @Test
  void healthInfoAndMetricsDescribeEveryNode() {
    List<String> keys = oneKeyPerMaster("seen:");
    for (String key : keys) {
      cluster.cluster().set(key, key);
      http.get("/" + key);
    }
    JsonNode health = ManagementClient.json(proxy.management().get("/health"));
    assertEquals("UP", health.get("status").asText());
    assertEquals("cluster", health.get("redis").get("mode").asText());
    JsonNode nodes = health.get("redis").get("nodes");
    assertEquals(6, nodes.size());
    int readAndTracked = 0;
    for (JsonNode node : nodes) {
      if (node.get("read_from").asBoolean()) {
        assertEquals("master", node.get("role").asText());
        assertEquals("UP", node.get("status").asText());
        assertTrue(node.get("tracking").asBoolean());
        readAndTracked++;
      } else {
        assertEquals("NOT_READ", node.get("status").asText());
      }
    }
    assertEquals(3, readAndTracked);

    String info = proxy.resp().info("backend");
    assertTrue(info.contains("backend_mode:cluster\r\n"), info);
    assertTrue(info.contains("backend_nodes:6\r\n"), info);
    assertEquals(3, info.split("role=master,read_from=1,up=1,tracking=1", -1).length - 1, info);

    for (int master : cluster.currentMasterPorts()) {
      assertTrue(
          proxy.metric(
                  "redis_proxy_backend_node_reads_seconds_count{node=\"127.0.0.1:" + master + "\"}")
              >= 1,
          "reads of " + master);
    }
  }
}
