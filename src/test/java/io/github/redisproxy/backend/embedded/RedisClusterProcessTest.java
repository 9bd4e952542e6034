package io.github.redisproxy.backend.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.StringCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedisClusterProcessTest {
  private static final Duration NODE_TIMEOUT = Duration.ofMillis(1000);

  @Test
  void slotsAreSplitAsRedisCliSplitsThem() {
    assertThat(RedisClusterProcess.slotRange(0, 3)).containsExactly(0, 5460);
    assertThat(RedisClusterProcess.slotRange(1, 3)).containsExactly(5461, 10922);
    assertThat(RedisClusterProcess.slotRange(2, 3)).containsExactly(10923, 16383);
    assertThat(RedisClusterProcess.slotRange(0, 1)).containsExactly(0, 16383);
    assertThat(RedisClusterProcess.slotRange(1, 2)).containsExactly(8192, 16383);
  }

  @Test
  void threeMastersWithOneReplicaEachServeKeysOfEveryShardAndLeaveNothingBehind() {
    List<Long> pids = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    long started = System.nanoTime();
    try (RedisClusterProcess cluster = RedisClusterProcess.start(3, 1, NODE_TIMEOUT)) {
      Duration startup = Duration.ofNanos(System.nanoTime() - started);
      assertThat(cluster.masterPorts()).hasSize(3);
      assertThat(cluster.replicaPorts()).hasSize(3);
      assertThat(cluster.ports())
          .hasSize(6)
          .containsAll(cluster.masterPorts())
          .containsAll(cluster.replicaPorts());
      assertThat(startup).as("start-up time").isLessThan(Duration.ofSeconds(15));
      for (int port : cluster.ports()) {
        RedisServerProcess node = cluster.node(port);
        pids.add(node.pid());
        dirs.add(node.workingDirectory());
        assertThat(node.workingDirectory().resolve("nodes.conf")).exists();
      }

      RedisClient single = RedisClient.create();
      RedisClusterClient client =
          RedisClusterClient.create(RedisURI.create("127.0.0.1", cluster.masterPorts().get(0)));
      try (StatefulRedisClusterConnection<String, String> connection =
          client.connect(StringCodec.UTF8)) {
        for (int port : cluster.ports()) {
          try (StatefulRedisConnection<String, String> node =
              single.connect(StringCodec.UTF8, RedisURI.create("127.0.0.1", port))) {
            assertThat(node.sync().clusterInfo()).contains("cluster_state:ok");
            assertThat(node.sync().clusterNodes().lines()).hasSize(6);
          }
        }
        RedisAdvancedClusterCommands<String, String> commands = connection.sync();
        Set<Integer> owners = new HashSet<>();
        for (int i = 0; owners.size() < 3; i++) {
          String key = "key" + i;
          int slot = SlotHash.getSlot(key);
          owners.add(slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
          commands.set(key, "value" + i);
          assertThat(commands.get(key)).isEqualTo("value" + i);
          int owner = cluster.masterPorts().get(slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
          try (StatefulRedisConnection<String, String> node =
              single.connect(StringCodec.UTF8, RedisURI.create("127.0.0.1", owner))) {
            assertThat(node.sync().get(key)).as("%s on its owner", key).isEqualTo("value" + i);
          }
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        single.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("redis-server pid %d alive after close", pid)
          .isFalse();
    }
    for (Path dir : dirs) {
      assertThat(Files.exists(dir)).as("%s exists after close", dir).isFalse();
    }
  }
}
