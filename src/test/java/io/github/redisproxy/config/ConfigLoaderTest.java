package io.github.redisproxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  private ProxyConfig load(Map<String, String> env, String... flags) {
    return ConfigLoader.load(List.of(flags), env, dir.resolve(".env"));
  }

  @Test
  void defaultsApplyWhenNothingIsSet() {
    ProxyConfig config = load(Map.of());
    assertThat(config.backend().address()).isEqualTo(RedisAddress.of("localhost", 6379));
    assertThat(config.backend().timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.cache())
        .isEqualTo(
            new CacheConfig(10_000, Duration.ofSeconds(60), CachePolicy.LRU)
                .withBytes(Runtime.getRuntime().maxMemory() / 4, 8L << 20));
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.server().bindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.server().maxConcurrency()).isEqualTo(256);
    assertThat(config.server().maxQueued()).isEqualTo(1024);
    assertThat(config.logLevel()).isEqualTo("info");
    assertThat(config.management()).isEqualTo(new ManagementConfig(8081));
    assertThat(config.server().accessLog()).isFalse();
    assertThat(config.server().eventLoops()).isEqualTo(ServerConfig.DEFAULT_EVENT_LOOPS);
  }

  @Test
  void eventLoopsIsAutoOrACount() {
    assertThat(load(Map.of("EVENT_LOOPS", "AUTO")).server().eventLoops())
        .isEqualTo(ServerConfig.DEFAULT_EVENT_LOOPS);
    assertThat(load(Map.of("EVENT_LOOPS", "1")).server().eventLoops()).isEqualTo(1);
    assertThat(load(Map.of(), "--event-loops=3").server().eventLoops()).isEqualTo(3);
    assertThat(load(Map.of("EVENT_LOOPS", "2")).describe()).contains(" EVENT_LOOPS=2 ");
    assertThat(load(Map.of()).describe()).contains(" EVENT_LOOPS=auto ");
  }

  @Test
  void managementPortZeroTurnsTheManagementPortOff() {
    assertThat(load(Map.of("MANAGEMENT_PORT", "0")).management().enabled()).isFalse();
    assertThat(load(Map.of("MANAGEMENT_PORT", "9100")).management())
        .isEqualTo(new ManagementConfig(9100));
  }

  @Test
  void accessLogIsABooleanInAnyCase() {
    assertThat(load(Map.of("ACCESS_LOG", "TRUE")).server().accessLog()).isTrue();
    assertThat(load(Map.of(), "--access-log=false").server().accessLog()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PROXY_PORT=9000 MANAGEMENT_PORT=9000|MANAGEMENT_PORT: 9000 is already PROXY_PORT; expected another port",
        "PROXY_PORT=9000 RESP_PORT=9000|RESP_PORT: 9000 is already PROXY_PORT; expected another port",
        "RESP_PORT=9001 MANAGEMENT_PORT=9001|MANAGEMENT_PORT: 9001 is already RESP_PORT; expected another port",
        "MANAGEMENT_PORT=8080|MANAGEMENT_PORT: 8080 is already PROXY_PORT; expected another port"
      })
  void twoPortsOfTheProxyCannotBeTheSame(String settings, String message) {
    Map<String, String> env = new HashMap<>();
    for (String setting : settings.split(" ")) {
      String[] nameAndValue = setting.split("=");
      env.put(nameAndValue[0], nameAndValue[1]);
    }
    assertThatThrownBy(() -> load(env)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void portsTurnedOffDoNotClash() {
    ProxyConfig config = load(Map.of("RESP_PORT", "0", "MANAGEMENT_PORT", "0"));
    assertThat(config.resp().enabled()).isFalse();
    assertThat(config.management().enabled()).isFalse();
  }

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverDotEnv() throws IOException {
    Files.writeString(
        dir.resolve(".env"),
        "# comment\n\nexport CACHE_CAPACITY=5\nPROXY_PORT=\"9000\"\nGLOBAL_CACHE_EXPIRY=2 # seconds\nMAX_CONCURRENCY='7'\n");
    ProxyConfig config = load(Map.of("CACHE_CAPACITY", "6", "UNRELATED", "x"), "--proxy-port=9100");

    assertThat(config.cache().capacity()).isEqualTo(6);
    assertThat(config.server().port()).isEqualTo(9100);
    assertThat(config.cache().expiry()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.server().maxConcurrency()).isEqualTo(7);
  }

  @Test
  void decimalSecondsAreAccepted() {
    ProxyConfig config = load(Map.of("GLOBAL_CACHE_EXPIRY", "0.5", "REDIS_TIMEOUT", "0.25"));
    assertThat(config.cache().expiry()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.backend().timeout()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void cachePolicyIsCaseInsensitive() {
    assertThat(load(Map.of("CACHE_POLICY", "TinyLFU")).cache().policy())
        .isEqualTo(CachePolicy.TINYLFU);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "CACHE_CAPACITY|abc",
        "CACHE_CAPACITY|0",
        "CACHE_CAPACITY|-3",
        "GLOBAL_CACHE_EXPIRY|-1",
        "GLOBAL_CACHE_EXPIRY|0",
        "GLOBAL_CACHE_EXPIRY|soon",
        "PROXY_PORT|70000",
        "PROXY_PORT|0",
        "MAX_CONCURRENCY|0",
        "MAX_QUEUED_REQUESTS|-1",
        "REDIS_TIMEOUT|0",
        "CACHE_POLICY|lfu",
        "REDIS_ADDRESS|localhost",
        "REDIS_ADDRESS|localhost:99999",
        "REDIS_ADDRESS|redis://:pw@host:6379/x",
        "BIND_ADDRESS|not a host",
        "LOG_LEVEL|loud",
        "LOG_FORMAT|xml",
        "MANAGEMENT_PORT|-1",
        "MANAGEMENT_PORT|65536",
        "MANAGEMENT_PORT|admin",
        "ACCESS_LOG|yes",
        "EVENT_LOOPS|0",
        "EVENT_LOOPS|many",
        "REDIS_ADDRESS|redis-cluster://a:7000,a:7000",
        "REDIS_ADDRESS|redis-sentinel://s1:26379",
        "READ_FROM|slave",
        "READ_FROM|replica_preferred",
        "CLUSTER_REFRESH_PERIOD|0",
        "CLUSTER_REFRESH_PERIOD|-5",
        "CLUSTER_REFRESH_PERIOD|often"
      })
  void badValueFailsWithOneLineNamingTheSetting(String name, String value) {
    assertThatThrownBy(() -> load(Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(name + ": expected ")
        .hasMessageContaining("\"" + value + "\"")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void unknownFlagIsAnError() {
    assertThatThrownBy(() -> load(Map.of(), "--cache-size=5"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("unknown argument \"--cache-size=5\"; see --help");
  }

  @Test
  void flagWithoutValueIsAnError() {
    assertThatThrownBy(() -> load(Map.of(), "--cache-capacity"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CACHE_CAPACITY: expected --cache-capacity=");
  }

  @Test
  void malformedDotEnvLineIsAnError() throws IOException {
    Files.writeString(dir.resolve(".env"), "CACHE_CAPACITY 5\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 1");
  }

  /** A malformed REDIS_ADDRESS is refused with the reason at the end of the one line. */
  @Test
  void malformedRedisAddressErrorEndsWithTheReason() {
    assertThatThrownBy(() -> load(Map.of("REDIS_ADDRESS", "redis-sentinel://s1:26379,s2:26379")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("REDIS_ADDRESS: expected host:port, ")
        .hasMessageEndingWith(
            ", got \"redis-sentinel://s1:26379,s2:26379\""
                + " (no master name: end the address with #mastername)");
  }

  /** Every backend setting reaches BackendConfig; READ_FROM is master and refreshes every 30 s. */
  @Test
  void backendSettingsDefaultToMasterReadsAndA30SecondRefresh() {
    assertThat(load(Map.of()).backend())
        .isEqualTo(
            new BackendConfig(
                RedisAddress.of("localhost", 6379),
                Duration.ofSeconds(1),
                InvalidationMode.TRACKING,
                ReadFrom.MASTER,
                Duration.ofSeconds(30)));
  }

  /** READ_FROM takes Lettuce's ReadFrom names in any letter case. */
  @ParameterizedTest
  @CsvSource({
    "master, MASTER",
    "Replica, REPLICA",
    "replicaPreferred, REPLICA_PREFERRED",
    "REPLICAPREFERRED, REPLICA_PREFERRED",
    "nearest, NEAREST",
    "any, ANY"
  })
  void readFromTakesLettuceNamesInAnyCase(String raw, ReadFrom expected) {
    ProxyConfig config = load(Map.of("REDIS_ADDRESS", "redis-cluster://a:7000", "READ_FROM", raw));
    assertThat(config.backend().readFrom()).isEqualTo(expected);
    assertThat(ReadFrom.parse(expected.configName())).isEqualTo(expected);
  }

  /** Replica reads are accepted for a cluster, sentinels or the embedded cluster. */
  @ParameterizedTest
  @CsvSource({
    "redis-cluster://a:7000",
    "rediss-cluster://a:7000",
    "redis-sentinel://s:26379#mymaster",
    "embedded-cluster"
  })
  void readFromReplicaIsAcceptedForAClusterOrSentinels(String address) {
    assertThat(load(Map.of("REDIS_ADDRESS", address), "--read-from=replica").backend().readFrom())
        .isEqualTo(ReadFrom.REPLICA);
  }

  /** One server has no replicas to read from, so READ_FROM other than master is an error. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "localhost:6379|replica|redis://localhost:6379",
        "redis://:hunter2@db:6379/1|any|redis://:****@db:6379/1",
        "embedded|replicaPreferred|embedded",
        "embedded:6390|nearest|redis://127.0.0.1:6390 (embedded)"
      })
  void readFromOtherThanMasterNeedsAClusterOrSentinelAddress(
      String address, String readFrom, String logged) {
    assertThatThrownBy(() -> load(Map.of("REDIS_ADDRESS", address, "READ_FROM", readFrom)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "READ_FROM="
                + readFrom
                + " needs a redis-cluster://, redis-sentinel:// or embedded-cluster address;"
                + " REDIS_ADDRESS is "
                + logged);
  }

  /** CLUSTER_REFRESH_PERIOD is a positive number of seconds, decimals allowed. */
  @Test
  void clusterRefreshPeriodIsPositiveSecondsWithDecimals() {
    assertThat(load(Map.of("CLUSTER_REFRESH_PERIOD", "2.5")).backend().clusterRefreshPeriod())
        .isEqualTo(Duration.ofMillis(2500));
    assertThat(load(Map.of(), "--cluster-refresh-period=60").backend().clusterRefreshPeriod())
        .isEqualTo(Duration.ofSeconds(60));
  }

  /**
   * The start-up line shows READ_FROM and CLUSTER_REFRESH_PERIOD only where they mean something.
   */
  @Test
  void loggedConfigurationShowsReadFromOnlyForAClusterOrSentinels() {
    assertThat(load(Map.of()).describe()).doesNotContain("READ_FROM", "CLUSTER_REFRESH_PERIOD");
    assertThat(
            load(Map.of(
                    "REDIS_ADDRESS",
                    "redis-sentinel://:hunter2@s1,s2#mymaster",
                    "READ_FROM",
                    "replicaPreferred",
                    "CLUSTER_REFRESH_PERIOD",
                    "0.5"))
                .describe())
        .contains(
            "REDIS_ADDRESS=redis-sentinel://:****@s1:26379,s2:26379#mymaster"
                + " READ_FROM=replicaPreferred CLUSTER_REFRESH_PERIOD=0.5s CACHE_CAPACITY=")
        .doesNotContain("hunter2");
  }

  /** An embedded server or cluster, once started, keeps every other backend setting. */
  @Test
  void startedEmbeddedBackendKeepsItsOtherSettings() {
    BackendConfig config =
        load(Map.of("REDIS_ADDRESS", "embedded-cluster", "READ_FROM", "any")).backend();
    List<RedisAddress.Node> nodes = List.of(new RedisAddress.Node("127.0.0.1", 30001));

    BackendConfig started = config.withAddress(config.address().withNodes(nodes));
    assertThat(started.address().nodes()).isEqualTo(nodes);
    assertThat(started.address().isCluster()).isTrue();
    assertThat(started.readFrom()).isEqualTo(ReadFrom.ANY);
    assertThat(started.clusterRefreshPeriod()).isEqualTo(config.clusterRefreshPeriod());
    assertThat(load(Map.of("REDIS_ADDRESS", "embedded")).backend().at("127.0.0.1", 6391).address())
        .isEqualTo(RedisAddress.embedded(6391));
  }

  @Test
  void passwordsAreMaskedInTheLoggedConfiguration() {
    ProxyConfig config = load(Map.of("REDIS_ADDRESS", "redis://admin:hunter2@db:6379/1"));
    assertThat(config.describe())
        .contains("REDIS_ADDRESS=redis://admin:****@db:6379/1")
        .doesNotContain("hunter2");
  }

  @Test
  void helpListsEverySettingWithItsFlagAndDefault() {
    String help = Settings.help();
    for (Setting<?> setting : Settings.ALL) {
      assertThat(help)
          .contains(setting.name(), setting.flag(), "default " + setting.defaultValue());
    }
  }
}
