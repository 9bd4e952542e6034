package io.github.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redisproxy.config.RedisAddress.Kind;
import io.github.redisproxy.config.RedisAddress.Node;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The forms REDIS_ADDRESS accepts, how each is logged, and why a malformed one is refused. */
class RedisAddressTest {

  /** host:port is one server without credentials; an IPv6 host may be bracketed. */
  @Test
  void hostAndPortIsOneServer() {
    assertThat(RedisAddress.parse("cache.internal:6380"))
        .isEqualTo(RedisAddress.of("cache.internal", 6380));
    assertThat(RedisAddress.parse("[::1]:6380")).isEqualTo(RedisAddress.of("::1", 6380));
  }

  /**
   * A redis:// URI carries credentials, a database and, as rediss://, TLS; the port defaults to
   * 6379.
   */
  @Test
  void redisUriIsOneServerWithCredentialsDatabaseAndTls() {
    assertThat(RedisAddress.parse("redis://h")).isEqualTo(RedisAddress.of("h", 6379));
    assertThat(RedisAddress.parse("rediss://user:p%40ss@h:7000/3"))
        .isEqualTo(standalone(List.of(new Node("h", 7000)), true, "user", "p@ss", 3));
    assertThat(RedisAddress.parse("redis://:secret@[::1]:6379"))
        .isEqualTo(standalone(List.of(new Node("::1", 6379)), false, null, "secret", 0));
    assertThat(RedisAddress.parse("redis://secret@h").password()).isEqualTo("secret");
  }

  /** embedded is a redis-server the proxy starts, on any free port or the one given. */
  @Test
  void embeddedIsAServerTheProxyStarts() {
    RedisAddress anyPort = RedisAddress.parse("embedded");
    assertThat(anyPort).isEqualTo(RedisAddress.embedded());
    assertThat(anyPort.kind()).isEqualTo(Kind.EMBEDDED);
    assertThat(anyPort.nodes()).containsExactly(new Node("127.0.0.1", 0));
    assertThat(anyPort.isEmbedded()).isTrue();
    assertThat(anyPort.isCluster()).isFalse();
    assertThat(RedisAddress.parse("EMBEDDED:6390")).isEqualTo(RedisAddress.embedded(6390));
    assertThat(anyPort.at("127.0.0.1", 6391)).isEqualTo(RedisAddress.embedded(6391));
  }

  /** redis-cluster:// lists seed nodes; a seed without a port is on 6379, as in Lettuce. */
  @Test
  void redisClusterUriListsSeedNodes() {
    RedisAddress address = RedisAddress.parse("redis-cluster://10.0.0.1:7000,10.0.0.2,[::1]:7002");

    assertThat(address.kind()).isEqualTo(Kind.CLUSTER);
    assertThat(address.nodes())
        .containsExactly(
            new Node("10.0.0.1", 7000), new Node("10.0.0.2", 6379), new Node("::1", 7002));
    assertThat(address.isCluster()).isTrue();
    assertThat(address.isEmbedded()).isFalse();
    assertThat(address.isSentinel()).isFalse();
    assertThat(address.tls()).isFalse();
    assertThat(address.database()).isZero();
    assertThat(address.host()).isEqualTo("10.0.0.1");
    assertThat(address.port()).isEqualTo(7000);
  }

  /** rediss-cluster:// is a cluster over TLS, with the data nodes' credentials; /0 is allowed. */
  @Test
  void redissClusterUriIsAClusterOverTls() {
    assertThat(RedisAddress.parse("rediss-cluster://admin:p%40ss@a:7000,b:7001/0"))
        .isEqualTo(
            new RedisAddress(
                Kind.CLUSTER,
                List.of(new Node("a", 7000), new Node("b", 7001)),
                true,
                "admin",
                "p@ss",
                0,
                null));
  }

  /**
   * redis-sentinel:// lists sentinels (26379 by default), a database, and the master's name after
   * #.
   */
  @Test
  void redisSentinelUriListsSentinelsAndNamesTheMaster() {
    assertThat(RedisAddress.parse("redis-sentinel://:pw@s1:26380,s2/2#mymaster"))
        .isEqualTo(
            new RedisAddress(
                Kind.SENTINEL,
                List.of(new Node("s1", 26380), new Node("s2", 26379)),
                false,
                null,
                "pw",
                2,
                "mymaster"));
    RedisAddress tls = RedisAddress.parse("rediss-sentinel://s1#cache");
    assertThat(tls.tls()).isTrue();
    assertThat(tls.isSentinel()).isTrue();
    assertThat(tls.isCluster()).isFalse();
    assertThat(tls.sentinelMaster()).isEqualTo("cache");
  }

  /** embedded-cluster has no nodes until the proxy has started it; then it has its seeds. */
  @Test
  void embeddedClusterHasNodesOnlyOnceStarted() {
    RedisAddress address = RedisAddress.parse("embedded-cluster");
    assertThat(address).isEqualTo(RedisAddress.embeddedCluster());
    assertThat(address.kind()).isEqualTo(Kind.EMBEDDED_CLUSTER);
    assertThat(address.nodes()).isEmpty();
    assertThat(address.isEmbedded()).isTrue();
    assertThat(address.isCluster()).isTrue();
    assertThatThrownBy(address::port).isInstanceOf(IllegalStateException.class);

    RedisAddress started =
        address.withNodes(List.of(new Node("127.0.0.1", 30001), new Node("127.0.0.1", 30002)));
    assertThat(started.kind()).isEqualTo(Kind.EMBEDDED_CLUSTER);
    assertThat(started.host()).isEqualTo("127.0.0.1");
    assertThat(started.port()).isEqualTo(30001);
  }

  /** The logged form is the form given, with the password replaced by ****. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "localhost:6379|redis://localhost:6379",
        "redis://admin:hunter2@db:6379/1|redis://admin:****@db:6379/1",
        "rediss://:hunter2@[::1]:6380|rediss://:****@[::1]:6380",
        "embedded|embedded",
        "embedded:6390|redis://127.0.0.1:6390 (embedded)",
        "embedded-cluster|embedded-cluster",
        "redis-cluster://user:hunter2@10.0.0.1:7000,10.0.0.2:7000|redis-cluster://user:****@10.0.0.1:7000,10.0.0.2:7000",
        "rediss-cluster://10.0.0.1|rediss-cluster://10.0.0.1:6379",
        "redis-sentinel://127.0.0.1,127.0.0.1:26380#mymaster|redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster",
        "rediss-sentinel://hunter2@s:26379/3#mymaster|rediss-sentinel://:****@s:26379/3#mymaster"
      })
  void loggedFormMasksThePassword(String raw, String logged) {
    assertThat(RedisAddress.parse(raw)).hasToString(logged);
  }

  /** A started embedded cluster is logged as the cluster URI of its nodes. */
  @Test
  void startedEmbeddedClusterIsLoggedWithItsNodes() {
    RedisAddress started =
        RedisAddress.embeddedCluster()
            .withNodes(List.of(new Node("127.0.0.1", 30001), new Node("127.0.0.1", 30002)));
    assertThat(started).hasToString("redis-cluster://127.0.0.1:30001,127.0.0.1:30002 (embedded)");
  }

  /** A malformed address is refused with a short reason, which the one-line error ends with. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "localhost|not host:port",
        "localhost:99999|port 99999 is not from 1 to 65535",
        "redis://:pw@host:6379/x|database \"x\" is not a whole number from 0",
        "embedded:port|port \"port\" is not a number",
        "redis-cluster://|no nodes",
        "redis-sentinel://#mymaster|no nodes",
        "redis-cluster://a:7000,,b:7001|empty node in the list",
        "redis-cluster://a:7000,|empty node in the list",
        "redis-cluster://:7000|no host in \":7000\"",
        "redis-cluster://a:7000,b:7001,a:7000|node a:7000 is listed twice",
        "redis-cluster://a,a:6379|node a:6379 is listed twice",
        "redis-cluster://a:0|port 0 is not from 1 to 65535",
        "redis-cluster://a:x|port \"x\" is not a number",
        "redis-cluster://a:7000/1|a cluster has only database 0",
        "redis-cluster://a:7000#mymaster|a cluster address has no #fragment",
        "redis-cluster://a:7000?timeout=1|query parameters are not supported",
        "redis-cluster://::1:7000|IPv6 node \"::1:7000\" needs brackets: [address]:port",
        "redis-cluster://[::1]7000|bad IPv6 node \"[::1]7000\", expected [address]:port",
        "redis-sentinel://s1:26379,s2:26379|no master name: end the address with #mastername",
        "redis-sentinel://s1:26379#|no master name: end the address with #mastername",
        "redis-sentinel://s1,s1#mymaster|node s1:26379 is listed twice",
        "redis-sentinel://s1/-1#mymaster|database \"-1\" is not a whole number from 0",
        "embedded-cluster:7000|embedded-cluster takes no port: its nodes take free ports"
      })
  void malformedAddressIsRefusedWithAReason(String raw, String reason) {
    assertThatThrownBy(() -> RedisAddress.parse(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(reason);
  }

  private static RedisAddress standalone(
      List<Node> nodes, boolean tls, String username, String password, int database) {
    return new RedisAddress(Kind.STANDALONE, nodes, tls, username, password, database, null);
  }
}
