package io.github.redisproxy.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The packaged proxy for the tests of one class, started with the environment the class asks for.
 *
 * <p>Register it on a static field, after the {@link RedisServerExtension} it reads from:
 *
 * <pre>{@code
 * @RegisterExtension @Order(1) static final RedisServerExtension redis = new RedisServerExtension();
 *
 * @RegisterExtension @Order(2)
 * static final ProxyExtension proxy =
 *     ProxyExtension.builder().redis(redis).env("CACHE_CAPACITY", "3").build();
 * }</pre>
 *
 * <p>The order matters, and JUnit only keeps it when the fields say so with {@code @Order}: without
 * it, static {@code @RegisterExtension} fields run in a deterministic but unspecified order. The
 * proxy needs Redis' port before it starts, and must stop before Redis does (JUnit runs the {@code
 * afterAll} callbacks in the reverse order). A class with two proxies gives them consecutive orders
 * after Redis'; both start before, and stop after, the class's own {@code @BeforeAll} and
 * {@code @AfterAll} methods.
 *
 * <p>Lifecycle:
 *
 * <ul>
 *   <li>before all tests of the class: starts the proxy ({@link ProxyProcess}) with {@code
 *       REDIS_ADDRESS} naming the Redis of {@link Builder#redis} and the environment of {@link
 *       Builder#env}, waits until it listens on all its ports and (unless {@link
 *       Builder#awaitBackend} says not to) until it has reached Redis, and registers with that
 *       Redis, whose {@code FLUSHALL} before each test then waits until this proxy has handled it
 *       ({@link ManagementClient#awaitInvalidationsHandled()});
 *   <li>after all tests of the class: closes the RESP client, if a test used one; makes a buffer
 *       leak show up, stops the proxy (the process it started, by its PID: SIGTERM, then SIGKILL)
 *       and fails the class if the proxy logged an ERROR line or a leak that {@link
 *       Builder#expectErrorLogs} did not declare.
 * </ul>
 *
 * <p>Clients can be made in static field initializers ({@code static final ProxyClient http =
 * proxy.http();}): they find the proxy's ports when they send a request.
 */
public final class ProxyExtension implements BeforeAllCallback, AfterAllCallback, RunningProxy {
  private static final Duration RESP_COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final Builder settings;
  private final Runnable flushBarrier = this::awaitInvalidationsHandled;
  private volatile ProxyProcess process;
  private Class<?> owner; // the test class whose beforeAll started the process
  private RedisClient respClient; // guarded by this
  private StatefulRedisConnection<String, String> respConnection; // guarded by this

  private ProxyExtension(Builder settings) {
    this.settings = settings.copy();
  }

  /** Settings for a proxy: for a whole class ({@link Builder#build()}) or for one test. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (process != null) {
      return;
    }
    RedisUnderTest redis = settings.redis;
    if (redis != null && !redis.isRunning()) {
      throw new ExtensionConfigurationException(
          "the Redis extension of "
              + context.getDisplayName()
              + " has not started: register it before the ProxyExtension (@Order(1) on it, a"
              + " higher @Order on the proxy)");
    }
    process = settings.start();
    owner = context.getRequiredTestClass();
    if (redis != null) {
      redis.addFlushBarrier(flushBarrier);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ProxyProcess stopping = process;
    if (stopping == null || context.getRequiredTestClass() != owner) {
      return; // not started, or the end of a @Nested class inside the one that started it
    }
    if (settings.redis != null) {
      settings.redis.removeFlushBarrier(flushBarrier);
    }
    try {
      closeRespClient();
    } finally {
      process = null;
      stopping.closeAndAssertNoErrorsLogged();
    }
  }

  /** The running process; fails outside the class's tests. */
  public ProxyProcess process() {
    ProxyProcess running = process;
    if (running == null) {
      throw new IllegalStateException(
          "the proxy runs only while the tests of the class that registers it run");
    }
    return running;
  }

  @Override
  public int port() {
    return process().port();
  }

  @Override
  public int respPort() {
    return process().respPort();
  }

  @Override
  public int managementPort() {
    return process().managementPort();
  }

  @Override
  public ProxyLog log() {
    return process().log();
  }

  @Override
  public void awaitBackendReady() {
    process().awaitBackendReady();
  }

  /** A client of the proxy's HTTP port. */
  public ProxyClient http() {
    return new ProxyClient(this);
  }

  /** The RESP port's URI for a Lettuce client, with this command timeout. */
  public RedisURI respUri(Duration commandTimeout) {
    RedisURI uri = RedisURI.create(respUri());
    uri.setTimeout(commandTimeout);
    return uri;
  }

  /** One Lettuce client for the class, made on first use and shut down after all its tests. */
  public synchronized RedisClient respClient() {
    if (respClient == null) {
      respClient = RedisClient.create();
    }
    return respClient;
  }

  /**
   * Commands over one RESP connection to the proxy, shared by the class's tests: connected at the
   * first command (a 20 s command timeout), closed after all tests. Can be kept in a static field
   * initializer, before the proxy has started.
   */
  @SuppressWarnings("unchecked")
  public RedisCommands<String, String> resp() {
    return (RedisCommands<String, String>)
        Proxy.newProxyInstance(
            RedisCommands.class.getClassLoader(),
            new Class<?>[] {RedisCommands.class},
            (proxy, method, args) -> {
              try {
                return method.invoke(sharedRespConnection().sync(), args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private synchronized StatefulRedisConnection<String, String> sharedRespConnection() {
    if (respConnection == null || !respConnection.isOpen()) {
      respConnection = respClient().connect(StringCodec.UTF8, respUri(RESP_COMMAND_TIMEOUT));
    }
    return respConnection;
  }

  private synchronized void closeRespClient() {
    if (respClient != null) {
      respClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      respClient = null;
      respConnection = null;
    }
  }

  private void awaitInvalidationsHandled() {
    ProxyProcess running = process;
    if (running != null
        && running.isAlive()
        && running.hasManagementPort()
        && !running.speaksTls()) {
      running.management().awaitInvalidationsHandled();
    }
  }

  @Override
  public String toString() {
    ProxyProcess running = process;
    return running != null ? running.toString() : "proxy (not running)";
  }

  /**
   * What to start: the Redis to read from, environment variables, JVM options, the RESP front end,
   * and the ERROR lines that are no failure.
   */
  public static final class Builder {
    private RedisUnderTest redis;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<Pattern> expectedErrors = new ArrayList<>();
    private boolean resp;
    private boolean awaitBackend = true;

    private Builder() {}

    /**
     * The Redis to read from: {@code REDIS_ADDRESS} names it (its port is known once it has
     * started), and its {@code FLUSHALL} before each test waits for this proxy.
     */
    public Builder redis(RedisUnderTest redis) {
      this.redis = redis;
      return this;
    }

    /**
     * One environment variable; {@code REDIS_ADDRESS} here replaces the one {@link #redis} gives.
     */
    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** JVM options for the proxy's JVM, before {@code -jar} (system properties, say). */
    public Builder jvmOptions(String... options) {
      jvmOptions.addAll(List.of(options));
      return this;
    }

    /** The RESP front end on a free {@code RESP_PORT} (unless {@link #env} names one). */
    public Builder resp() {
      this.resp = true;
      return this;
    }

    /**
     * Whether start-up also waits until the proxy answers a GET with something other than 503
     * ({@link ProxyProcess#awaitBackendReady()}); true unless said otherwise.
     */
    public Builder awaitBackend(boolean await) {
      this.awaitBackend = await;
      return this;
    }

    /**
     * ERROR (or leak) lines the proxy may log without failing the test: each line that {@code
     * pattern} finds in is expected.
     */
    public Builder expectErrorLogs(Pattern pattern) {
      expectedErrors.add(pattern);
      return this;
    }

    /** The extension, for a static {@code @RegisterExtension} field. */
    public ProxyExtension build() {
      return new ProxyExtension(this);
    }

    /**
     * Starts a proxy with these settings now, for a test that needs one of its own (and must {@link
     * ProxyProcess#close()} it); it does not take part in the Redis' flush barrier.
     */
    public ProxyProcess start() {
      Map<String, String> environment = new LinkedHashMap<>();
      if (redis != null) {
        environment.put("REDIS_ADDRESS", redis.address());
      }
      environment.putAll(env);
      ProxyProcess proxy = ProxyProcess.start(environment, resp, jvmOptions, expectedErrors);
      if (awaitBackend) {
        try {
          proxy.awaitBackendReady();
        } catch (RuntimeException | AssertionError e) {
          proxy.close();
          throw e;
        }
      }
      return proxy;
    }

    private Builder copy() {
      Builder copy = new Builder();
      copy.redis = redis;
      copy.env.putAll(env);
      copy.jvmOptions.addAll(jvmOptions);
      copy.expectedErrors.addAll(expectedErrors);
      copy.resp = resp;
      copy.awaitBackend = awaitBackend;
      return copy;
    }
  }
}
