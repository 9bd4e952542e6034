package io.github.redisproxy.system;

import static io.github.redisproxy.testing.PrometheusText.labels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisCli;
import io.github.redisproxy.testing.RedisServerExtension;
import io.github.redisproxy.testing.TestDirectories;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * With AUTH_TOKENS_FILE, a client reads only with its token and only the keys under its prefixes:
 * HTTP answers 401 (with {@code WWW-Authenticate: Bearer}) and 403, RESP {@code -NOAUTH}, {@code
 * -WRONGPASS} and {@code -NOPERM} in Redis' words, and a refused request reads nothing from Redis.
 * The file is re-read when it changes. MANAGEMENT_TOKEN guards the purges.
 */
class AccessControlIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789abc";
  private static final String ADMIN = "management-token-0123456789";
  private static final Path DIR = TestDirectories.create("access-it");
  private static final Path TOKENS =
      write(
          DIR.resolve("tokens"),
          "# test clients\n" + line("alice", ALICE, "user:,session:") + line("bob", BOB, "*"));

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy =
      ProxyExtension.builder()
          .redis(redis)
          .env("AUTH_TOKENS_FILE", TOKENS.toString())
          .env("MANAGEMENT_TOKEN", ADMIN)
          .resp()
          .build();

  static final ProxyClient http = proxy.http();

  @AfterAll
  static void removeFiles() throws IOException {
    TestDirectories.delete(DIR);
  }

  /**
   * A valid token reads the keys under its prefixes, and gets 403 elsewhere without a Redis read.
   */
  @Test
  void aTokenReadsItsPrefixesOnly() {
    redis.commands().set("user:1", "alice's");
    redis.commands().set("admin:1", "secret");

    assertThat(get("/user:1", ALICE).statusCode()).isEqualTo(200);
    assertThat(body(get("/user:1", ALICE))).isEqualTo("alice's");
    redis.resetStats();
    HttpResponse<byte[]> refused = get("/admin:1", ALICE);

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(body(refused)).doesNotContain("secret");
    assertThat(redis.getCalls()).as("Redis GETs for a refused request").isZero();
    assertThat(get("/admin:1", BOB).statusCode()).as("bob's *").isEqualTo(200);
    assertThat(http.send("HEAD", "/admin:1", "Authorization", "Bearer " + ALICE).statusCode())
        .isEqualTo(403);
  }

  /** No token, another scheme, or an unknown token: 401 with the challenge RFC 6750 asks for. */
  @Test
  void withoutAValidTokenTheAnswerIs401() {
    redis.commands().set("user:2", "v");
    redis.resetStats();

    HttpResponse<byte[]> none = http.get("/user:2");
    HttpResponse<byte[]> basic = http.send("GET", "/user:2", "Authorization", "Basic YTpi");
    HttpResponse<byte[]> unknown = get("/user:2", ALICE + "x");

    assertThat(List.of(none.statusCode(), basic.statusCode(), unknown.statusCode()))
        .containsOnly(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"redis-proxy\"");
    assertThat(unknown.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"redis-proxy\", error=\"invalid_token\"");
    assertThat(redis.getCalls()).isZero();
  }

  /** RESP: NOAUTH before AUTH (PING allowed), WRONGPASS, the three ways to log in, NOPERM. */
  @Test
  void respAsksForAuthInRedisWords() {
    redis.commands().set("user:3", "v3");
    redis.commands().set("admin:3", "a3");
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertThat(resp.call("PING")).isEqualTo(RawResp.simple("PONG"));
      assertThat(resp.call("HELLO", "2")).as("HELLO without AUTH still replies").startsWith("*");
      assertThat(resp.call("GET", "user:3"))
          .isEqualTo(RawResp.error("NOAUTH Authentication required."));
      assertThat(resp.call("MGET", "user:3")).startsWith("-NOAUTH");
      assertThat(resp.call("INFO")).isEqualTo(RawResp.error("NOAUTH Authentication required."));
      assertThat(resp.call("NOSUCHCOMMAND", ALICE))
          .as("an unknown command's arguments are not echoed before AUTH")
          .isEqualTo(RawResp.error("NOAUTH Authentication required."));
      assertThat(resp.call("HELLO", "2", "AUTH", "alice", BOB)).startsWith("-WRONGPASS");
      assertThat(resp.call("AUTH", "nope-nope-nope-nope"))
          .isEqualTo(
              RawResp.error("WRONGPASS invalid username-password pair or user is disabled."));
      assertThat(resp.call("AUTH", "bob", ALICE))
          .as("alice's token under bob's name")
          .startsWith("-WRONGPASS");
      assertThat(resp.call("AUTH", ALICE)).isEqualTo(RawResp.simple("OK"));
      assertThat(resp.call("GET", "user:3")).isEqualTo(RawResp.bulk("v3"));
      assertThat(resp.call("GET", "admin:3"))
          .isEqualTo(RawResp.error("NOPERM No permissions to access a key"));
      redis.resetStats();
      assertThat(resp.call("MGET", "user:3", "admin:3", "user:33"))
          .as("one key outside the prefixes refuses the whole MGET")
          .isEqualTo(RawResp.error("NOPERM No permissions to access a key"));
      assertThat(redis.getCalls()).as("Redis GETs for refused commands").isZero();
      assertThat(resp.call("AUTH", "wrong-wrong-wrong-wrong")).startsWith("-WRONGPASS");
      assertThat(resp.call("GET", "user:3"))
          .as("a failed AUTH leaves the connection logged in")
          .isEqualTo(RawResp.bulk("v3"));
    }
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertThat(resp.call("QUIT")).as("QUIT before AUTH").isEqualTo(RawResp.simple("OK"));
    }
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertThat(resp.call("AUTH", "bob", BOB)).isEqualTo(RawResp.simple("OK"));
      assertThat(resp.call("MGET", "user:3", "admin:3")).contains("v3", "a3");
    }
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertThat(resp.call("HELLO", "2", "AUTH", "alice", ALICE)).startsWith("*");
      assertThat(resp.call("GET", "user:3")).isEqualTo(RawResp.bulk("v3"));
    }
  }

  /** Real clients: Lettuce with a user and password, redis-cli with --user/--pass and -a. */
  @Test
  void redisClientsLogInWithTheirUsualOptions() {
    redis.commands().set("session:9", "nine");
    RedisClient lettuce =
        RedisClient.create(
            RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(proxy.respPort())
                .withAuthentication("alice", ALICE)
                .withTimeout(TIMEOUT)
                .build());
    try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
      assertThat(connection.sync().get("session:9")).isEqualTo("nine");
    } finally {
      lettuce.shutdown();
    }
    assumeTrue(RedisCli.isInstalled(), "redis-cli is not on PATH");
    var named =
        RedisCli.run(
            proxy.respPort(), "", TIMEOUT, "--user", "alice", "--pass", ALICE, "GET", "session:9");
    var anonymous = RedisCli.run(proxy.respPort(), "", TIMEOUT, "-a", BOB, "GET", "session:9");
    var none = RedisCli.run(proxy.respPort(), "", TIMEOUT, "GET", "session:9");
    assertThat(named.stdout().strip()).isEqualTo("nine");
    assertThat(anonymous.stdout().strip()).isEqualTo("nine");
    assertThat(none.stdout()).contains("NOAUTH");
  }

  /** Refusals are counted in the request metrics under their status. */
  @Test
  void refusalsAreCountedByStatus() {
    get("/user:6", ALICE + "x");
    get("/admin:6", ALICE);
    http.send("HEAD", "/admin:6", "Authorization", "Bearer " + ALICE);
    Map<String, String> get401 = labels("frontend", "http", "command", "get", "status", "401");
    Map<String, String> get403 = labels("frontend", "http", "command", "get", "status", "403");
    Map<String, String> head403 = labels("frontend", "http", "command", "head", "status", "403");

    // A request is timed when its response has gone out, a moment after the client has read it.
    Polling.until(
        TIMEOUT,
        "the refusals to be counted",
        () -> proxy.management().scrape(),
        m ->
            m.valueOrZero(REQUESTS, get401) >= 1
                && m.valueOrZero(REQUESTS, get403) >= 1
                && m.valueOrZero(REQUESTS, head403) >= 1);
  }

  /**
   * A changed file is read within seconds, without a restart: a new token works, a removed one gets
   * 401, and a RESP connection that logged in with it is logged out. One that does not parse is not
   * taken, and the clients read before go on working.
   */
  @Test
  void theFileIsReadAgainWhenItChanges() {
    redis.commands().set("user:5", "v5");
    String carol = "carol-token-0123456789";
    try (RawResp aliceConnection = RawResp.connect(proxy.respPort())) {
      assertThat(aliceConnection.call("AUTH", "alice", ALICE)).isEqualTo(RawResp.simple("OK"));
      assertThat(aliceConnection.call("GET", "user:5")).isEqualTo(RawResp.bulk("v5"));

      write(TOKENS, line("carol", carol, "user:") + line("bob", BOB, "*"));
      Polling.until(
          TIMEOUT,
          "carol's token to work",
          () -> get("/user:5", carol).statusCode(),
          s -> s == 200);
      assertThat(get("/user:5", ALICE).statusCode()).as("alice, removed").isEqualTo(401);
      assertThat(aliceConnection.call("GET", "user:5"))
          .as("a connection that logged in with a removed token")
          .isEqualTo(RawResp.error("NOAUTH Authentication required."));
      assertThat(aliceConnection.call("AUTH", "carol", carol)).isEqualTo(RawResp.simple("OK"));
      assertThat(aliceConnection.call("GET", "user:5")).isEqualTo(RawResp.bulk("v5"));

      int mark = proxy.process().log().mark();
      write(TOKENS, "carol sha256:not-a-hash user:\n");
      proxy
          .process()
          .log()
          .awaitLog(
              Pattern.compile("WARN .*AUTH_TOKENS_FILE changed but cannot be used"), 1, TIMEOUT);
      assertThat(proxy.process().log().lines().subList(mark, proxy.process().log().lines().size()))
          .noneMatch(logged -> logged.contains(carol) || logged.contains(ALICE));
      assertThat(get("/user:5", carol).statusCode()).isEqualTo(200);
    } finally {
      write(TOKENS, line("alice", ALICE, "user:,session:") + line("bob", BOB, "*"));
      Polling.until(
          TIMEOUT,
          "alice's token to work again",
          () -> get("/user:5", ALICE).statusCode(),
          s -> s == 200);
    }
  }

  /** Purges need MANAGEMENT_TOKEN; health stays open. */
  @Test
  void purgesNeedTheManagementToken() {
    ProxyClient management = new ProxyClient(proxy::managementPort);

    HttpResponse<byte[]> none = management.send("DELETE", "/cache");
    HttpResponse<byte[]> wrong =
        management.send("DELETE", "/cache/k", "Authorization", "Bearer " + ALICE);
    HttpResponse<byte[]> right =
        management.send("DELETE", "/cache", "Authorization", "Bearer " + ADMIN);

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(management.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(management.get("/health").statusCode()).isEqualTo(200);
  }

  /**
   * Open to anyone on an address others can reach: one WARN line at start-up, logged before the
   * line that says the proxy listens; none with tokens (this class's proxy) or on loopback.
   */
  @Test
  void anOpenProxyOnANonLoopbackAddressSaysSoOnce() {
    assertThat(proxy.process().log().linesMatching(OPEN)).isEmpty();
    try (ProxyProcess open =
        ProxyExtension.builder()
            .redis(redis)
            .env("BIND_ADDRESS", "0.0.0.0")
            .resp()
            .awaitBackend(false)
            .start()) {
      List<String> warnings = open.log().linesMatching(OPEN);
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0))
          .contains("WARN", "0.0.0.0:", "(HTTP)", "(RESP)", "AUTH_TOKENS_FILE", "MANAGEMENT_TOKEN");
      open.closeAndAssertNoErrorsLogged();
    }
  }

  /**
   * On loopback and without tokens: no warning, and AUTH answers as Redis does without a password
   * (the password is not echoed), while AUTH with a user name is accepted and ignored.
   */
  @Test
  void anOpenProxyOnLoopbackIsQuietAndAuthAnswersAsRedis() {
    try (ProxyProcess open =
        ProxyExtension.builder().redis(redis).resp().awaitBackend(false).start()) {
      assertThat(open.log().linesMatching(OPEN)).isEmpty();
      redis.commands().set("admin:7", "a7");
      try (RawResp resp = RawResp.connect(open.respPort())) {
        String auth = resp.call("AUTH", ALICE);
        assertThat(auth)
            .startsWith("-ERR AUTH <password> called without any password configured")
            .doesNotContain(ALICE);
        assertThat(resp.call("AUTH", "alice", ALICE)).isEqualTo(RawResp.simple("OK"));
        assertThat(resp.call("GET", "admin:7")).isEqualTo(RawResp.bulk("a7"));
      }
      assertThat(http.get("/admin:7").statusCode()).as("the class's proxy").isEqualTo(401);
      open.closeAndAssertNoErrorsLogged();
    }
  }

  /**
   * A tokens file with a wrong line stops the start-up: exit 2, one line naming the file and line.
   */
  @Test
  void aWrongTokensFileExits2(@TempDir Path dir) {
    Path wrong = write(dir.resolve("tokens"), line("alice", ALICE, "*") + "bob sha256:1234 *\n");

    ProxyProcess.Run run =
        ProxyProcess.run(List.of(), Map.of("AUTH_TOKENS_FILE", wrong.toString()), TIMEOUT);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.stderr()).hasSize(1);
    assertThat(run.stderr().get(0)).contains("AUTH_TOKENS_FILE", "line 2");
    assertThat(run.stdout()).isEmpty();
  }

  private static final Pattern OPEN = Pattern.compile("Open to anyone");
  private static final String REQUESTS = "redis_proxy_requests_seconds_count";

  private static HttpResponse<byte[]> get(String path, String token) {
    return http.send("GET", path, "Authorization", "Bearer " + token);
  }

  private static String body(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private static String line(String name, String token, String prefixes) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return name + " sha256:" + HexFormat.of().formatHex(hash) + " " + prefixes + "\n";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whole, by a move, as an operator's tooling would replace it. */
  private static Path write(Path file, String text) {
    try {
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.writeString(partial, text);
      return Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
