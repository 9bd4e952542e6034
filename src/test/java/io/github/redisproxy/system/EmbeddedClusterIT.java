package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code REDIS_ADDRESS=embedded-cluster}, as a new user would start it: the proxy starts a real
 * 3-master, 3-replica Redis Cluster on loopback, reads keys of every shard, and on SIGTERM stops
 * every redis-server it started and removes their working directories.
 */
class EmbeddedClusterIT {
  private static final Pattern STARTED =
      Pattern.compile("Started redis-server \\S+ on 127\\.0\\.0\\.1:(\\d+) \\(pid (\\d+)\\)");

  @Test
  void startsASixNodeClusterReadsEveryShardAndLeavesNothingBehind() throws IOException {
    Map<Integer, Long> pidsByPort = new HashMap<>();
    try (ProxyProcess proxy =
        ProxyExtension.builder().env("REDIS_ADDRESS", "embedded-cluster").resp().start()) {
      for (String line : proxy.log().linesMatching(STARTED)) {
        Matcher started = STARTED.matcher(line);
        assertTrue(started.find(), line);
        pidsByPort.put(Integer.parseInt(started.group(1)), Long.parseLong(started.group(2)));
      }
      assertEquals(6, pidsByPort.size(), "redis-server processes started: " + pidsByPort);

      String info = respInfoBackend(proxy);
      assertTrue(info.contains("backend_mode:cluster"), info);
      assertTrue(info.contains("backend_nodes:6"), info);
      assertEquals(3, info.split("role=master", -1).length - 1, info);

      ProxyClient http = new ProxyClient(proxy);
      RedisClusterClient client =
          RedisClusterClient.create(
              RedisURI.create("127.0.0.1", pidsByPort.keySet().iterator().next()));
      try (StatefulRedisClusterConnection<String, String> cluster = client.connect()) {
        Partitions partitions = client.getPartitions();
        Map<Integer, String> keyPerMaster = new HashMap<>();
        for (int i = 0; keyPerMaster.size() < 3; i++) {
          String key = "shard:" + i;
          RedisClusterNode owner = partitions.getPartitionBySlot(SlotHash.getSlot(key));
          keyPerMaster.putIfAbsent(owner.getUri().getPort(), key);
        }
        for (String key : keyPerMaster.values()) {
          cluster.sync().set(key, "value of " + key);
          HttpResponse<byte[]> response = http.get("/" + key);
          assertEquals(200, response.statusCode(), key);
          assertEquals("value of " + key, new String(response.body(), StandardCharsets.UTF_8));
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }

      proxy.sigterm();
      assertEquals(0, proxy.awaitExit(Duration.ofSeconds(20)));
      proxy.assertNoErrorsLogged();
    }

    for (Map.Entry<Integer, Long> node : pidsByPort.entrySet()) {
      assertFalse(
          ProcessHandle.of(node.getValue()).map(ProcessHandle::isAlive).orElse(false),
          "redis-server on port " + node.getKey() + " still running");
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> entries = Files.list(tmp)) {
      List<String> left =
          entries
              .map(path -> path.getFileName().toString())
              .filter(
                  name ->
                      pidsByPort.keySet().stream()
                          .anyMatch(port -> name.startsWith("redis-proxy-node-" + port + "-")))
              .toList();
      assertEquals(List.of(), left, "working directories left in " + tmp);
    }
  }

  private static String respInfoBackend(ProxyProcess proxy) {
    RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", proxy.respPort()));
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().info("backend");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
