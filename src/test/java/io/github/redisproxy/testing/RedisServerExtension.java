package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real redis-server for the tests of one class, with a Lettuce client to set state in it and to
 * read its statistics.
 *
 * <p>Register it on a static field, so that one server serves every test of the class, and first
 * ({@code @Order(1)}) when a {@link ProxyExtension} reads from it:
 *
 * <pre>{@code
 * @RegisterExtension @Order(1) static final RedisServerExtension redis = new RedisServerExtension();
 * }</pre>
 *
 * <p>Lifecycle:
 *
 * <ul>
 *   <li>before all tests of the class: starts redis-server on a free loopback port with {@link
 *       RedisServerProcess#start()} (the redis-server on {@code PATH}, else the binary bundled in
 *       the embedded-redis jar). This runs before the class's own {@code @BeforeAll} methods, and
 *       before a {@link ProxyExtension} registered after it, so they can already point a proxy at
 *       {@link #address()};
 *   <li>before each test: if the server is running, {@code FLUSHALL} and {@code CONFIG RESETSTAT},
 *       so that every test starts with no keys and {@link #getCalls()} at 0, and in between every
 *       {@linkplain #addFlushBarrier flush barrier}, so that every proxy in front of this server
 *       (each {@link ProxyExtension} built with it registers one) has cleared its cache too. If a
 *       previous test left a {@link #pause} in force, these commands wait until it ends;
 *   <li>during a test: {@link #stop()} and {@link #start()} stop and restart the server on the same
 *       port. The client connections are closed on stop and reopened lazily by the next {@link
 *       #commands()} or {@link #binary()};
 *   <li>after all tests of the class (after the class's {@code @AfterAll} methods): closes the
 *       client and stops the server.
 * </ul>
 */
public final class RedisServerExtension
    implements RedisUnderTest, BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private static final Pattern GET_CALLS =
      Pattern.compile("^cmdstat_get:calls=(\\d+),", Pattern.MULTILINE);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Servers not stopped yet; stopped when the test JVM exits, so that an aborted run leaves none
   * behind.
   */
  private static final Set<RedisServerProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> RUNNING.forEach(RedisServerProcess::close), "stop-leftover-redis-servers"));
  }

  private final List<Runnable> flushBarriers = new CopyOnWriteArrayList<>();
  private RedisServerProcess server;
  private int port;
  private RedisClient client;
  private StatefulRedisConnection<String, String> text;
  private StatefulRedisConnection<byte[], byte[]> bytes;

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (server == null) {
      server = RedisServerProcess.start();
      RUNNING.add(server);
      port = server.port();
      client = RedisClient.create();
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    closeConnections();
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      client = null;
    }
    if (server != null) {
      server.close();
      RUNNING.remove(server);
      server = null;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (isRunning()) {
      RedisCommands<String, String> commands = commands();
      commands.flushall();
      flushBarriers.forEach(Runnable::run);
      commands.configResetstat();
    }
  }

  /**
   * Runs {@code barrier} after the {@code FLUSHALL} before each test, before the test starts: it
   * returns once whatever holds state read from this server (a proxy's cache) has handled the
   * flush.
   */
  public void addFlushBarrier(Runnable barrier) {
    flushBarriers.add(barrier);
  }

  /** Stops running {@code barrier}: what it waits for has gone. */
  public void removeFlushBarrier(Runnable barrier) {
    flushBarriers.remove(barrier);
  }

  /** The server's loopback port; it stays the same across {@link #stop()} and {@link #start()}. */
  public synchronized int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, the form REDIS_ADDRESS takes. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  public synchronized boolean isRunning() {
    return server != null && server.isAlive();
  }

  /**
   * Commands with UTF-8 string keys and values, over a connection opened on first use after a
   * (re)start.
   */
  public synchronized RedisCommands<String, String> commands() {
    if (text == null || !text.isOpen()) {
      text = client.connect(StringCodec.UTF8, uri());
    }
    return text.sync();
  }

  /** Commands with raw byte keys and values. */
  public synchronized RedisCommands<byte[], byte[]> binary() {
    if (bytes == null || !bytes.isOpen()) {
      bytes = client.connect(ByteArrayCodec.INSTANCE, uri());
    }
    return bytes.sync();
  }

  /**
   * How many {@code GET} commands the server has executed since the last {@code CONFIG RESETSTAT}.
   */
  public long getCalls() {
    Matcher calls = GET_CALLS.matcher(commands().info("commandstats"));
    return calls.find() ? Long.parseLong(calls.group(1)) : 0;
  }

  /** {@code CONFIG RESETSTAT}: {@link #getCalls()} starts again from 0. */
  public void resetStats() {
    commands().configResetstat();
  }

  /**
   * {@code CLIENT PAUSE <ms> ALL}: for this long the server executes no command from any client;
   * commands sent meanwhile wait and run when the pause ends. This includes the commands of this
   * extension's own client, so a later {@link #commands()} call (a {@code PING}, say) returns only
   * once the pause is over.
   */
  public void pause(Duration duration) {
    commands()
        .dispatch(
            CommandType.CLIENT,
            new StatusOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(duration.toMillis()).add("ALL"));
  }

  /**
   * A PING sent right after {@link #pause}: it is answered only when the pause ends, so while no
   * answer has arrived, Redis has answered no command (no proxy's load) either.
   */
  public PauseProbe pingBehindThePause() {
    return new PauseProbe(RawResp.connect(port()).write("PING\r\n"));
  }

  /** The connection of a {@link #pingBehindThePause()}. */
  public static final class PauseProbe {
    private final RawResp connection;

    private PauseProbe(RawResp connection) {
      this.connection = connection;
    }

    /**
     * Fails if the pause has ended (the PING was answered): the machine was too slow for the test's
     * premise. Closes the connection.
     */
    public void assertStillPaused() {
      try (connection) {
        assertEquals(
            0,
            connection.available(),
            "Redis still paused when the proxy logged what the test waited for (machine too slow?)");
      }
    }
  }

  /** The running server's process id, for signals ({@code SIGSTOP} freezes it, {@code SIGCONT}). */
  public synchronized long pid() {
    return server.pid();
  }

  /**
   * Stops the server (its clients see their connections close); {@link #start()} brings it back on
   * the same port.
   */
  public synchronized void stop() {
    closeConnections();
    if (server != null) {
      server.close();
      RUNNING.remove(server);
      server = null;
    }
  }

  /** Starts the server again on the same port, with no keys. */
  public synchronized void start() {
    if (server == null || !server.isAlive()) {
      server = RedisServerProcess.start(port);
      RUNNING.add(server);
    }
  }

  private RedisURI uri() {
    if (client == null) {
      throw new IllegalStateException(
          "the Redis server is used outside the test class it is registered in");
    }
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withTimeout(COMMAND_TIMEOUT)
        .build();
  }

  private void closeConnections() {
    if (text != null) {
      text.close();
      text = null;
    }
    if (bytes != null) {
      bytes.close();
      bytes = null;
    }
  }
}
