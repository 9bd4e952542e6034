package io.github.redisproxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sentinel fixture does what the system tests rely on. The tests run in order: the first fails
 * the master over, and the second checks that the set-up before it left one master, one replica of
 * it and no keys.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelExtensionTest {
  @RegisterExtension static final RedisSentinelExtension redis = new RedisSentinelExtension();

  @Test
  @Order(1)
  void failoverMakesTheReplicaTheMasterThatEverySentinelNames() {
    int master = redis.masterPort();
    int replica = redis.replicaPort();
    redis.commands(master).set("key", "value");
    redis.commands(master).waitForReplication(1, 5_000);

    int newMaster = redis.failover();

    assertThat(newMaster).isEqualTo(replica).isNotEqualTo(master);
    assertThat(redis.masterPort()).isEqualTo(newMaster);
    assertThat(redis.commands(newMaster).get("key")).isEqualTo("value");
    assertThat(redis.commands(newMaster).set("key", "after")).isEqualTo("OK");
  }

  @Test
  @Order(2)
  void eachTestStartsWithOneMasterAndItsReplicaEmptyAndWithFreshStatistics() {
    int master = redis.masterPort();
    int replica = redis.replicaPort();
    assertThat(redis.address())
        .matches(
            "redis-sentinel://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+#mymaster");
    assertThat(redis.commands(master).info("replication")).contains("role:master");
    assertThat(redis.commands(replica).info("replication"))
        .contains("role:slave", "master_port:" + master, "master_link_status:up");
    for (int port : redis.dataPorts()) {
      assertThat(redis.commands(port).dbsize()).as("keys on %d", port).isZero();
      assertThat(redis.getCalls(port)).as("GETs on %d", port).isZero();
    }

    redis.commands(master).set("key", "value");
    redis.commands(master).waitForReplication(1, 5_000);
    assertThat(redis.commands(replica).get("key")).isEqualTo("value");
    assertThat(redis.getCalls(replica)).isEqualTo(1);
  }
}
