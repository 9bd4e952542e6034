package io.github.redisproxy.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.blockhound.BlockHoundSessionListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generator in RESP mode ({@code --url=redis://...}) against a small in-process RESP server
 * that answers {@code GET} like the proxy: {@code k:N} is nil for every tenth N and a value
 * otherwise, {@code err:N} an error reply, {@code slow:N} a value after 300 ms; any other command
 * {@code +OK}. The server counts connections and, per connection, the commands received and those
 * not answered yet, so that the tests can see how the generator uses its connections. BlockHound is
 * installed in this JVM, as for {@link LoadGeneratorTest}.
 */
class LoadGeneratorRespTest {
  private static EventLoopGroup group;
  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
  private FakeRedisServer server;
  private int violationsBefore;

  @BeforeAll
  static void warmUp() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    // Class loading and JIT on a cold JVM (Lettuce's above all) should not fall into the timed
    // tests below.
    try (FakeRedisServer warmup = FakeRedisServer.start()) {
      run(
          warmup,
          new ByteArrayOutputStream(),
          "--keys=100",
          "--key-prefix=k:",
          "--connections=4",
          "--warmup=0",
          "--duration=1500ms");
    }
  }

  @AfterAll
  static void stopEventLoop() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A server of its own for each test, so that each counts only its own connections. */
  @BeforeEach
  void startServer() {
    violationsBefore = BlockHoundSessionListener.violations().size();
    server = FakeRedisServer.start();
  }

  @AfterEach
  void nothingBlockedAnEventLoop() {
    server.close();
    List<String> violations = BlockHoundSessionListener.violations();
    assertThat(violations.subList(violationsBefore, violations.size())).isEmpty();
  }

  /** A closed loop counts values and nil replies and has no hit ratio. */
  @Test
  void closedLoopCountsValuesAndNils() {
    LoadReport report =
        run(
            "--keys=100",
            "--key-prefix=k:",
            "--connections=4",
            "--warmup=200ms",
            "--duration=700ms");

    assertThat(report.requests()).isGreaterThan(50);
    assertThat(report.errors()).containsOnlyKeys("nil");
    assertThat(report.errors().get("nil"))
        .isBetween(report.requests() / 20, report.requests() / 5); // about 1 in 10
    assertThat(report.hitsKnown()).isFalse();
    assertThat(report.hitRatio()).isNaN();
    assertThat(report.text()).contains("hit ratio    n/a (RESP answers do not say hit or miss)");
    assertThat(report.run()).endsWith(", redis://127.0.0.1:" + server.port() + " GET k:{n}");
    assertThat(report.latencyMs().max()).isPositive();
  }

  @Test
  void closedLoopConnectionsCarryOneCommandAtATime() {
    // 300 ms answers: a second command on a connection would arrive while the first is outstanding.
    LoadReport report =
        run("--keys=10", "--key-prefix=slow:", "--connections=3", "--warmup=0", "--duration=1s");

    assertThat(report.errors()).isEmpty();
    assertThat(report.requests()).isGreaterThanOrEqualTo(3);
    assertThat(server.connections.get()).as("connections opened").isEqualTo(3);
    assertThat(server.mostOutstandingOnOneConnection.get())
        .as("commands outstanding on one connection")
        .isEqualTo(1);
  }

  @Test
  void errorReplyIsAnErrorOfItsKind() {
    LoadReport report =
        run("--keys=10", "--key-prefix=err:", "--connections=2", "--warmup=0", "--duration=300ms");

    assertThat(report.requests()).isPositive();
    assertThat(report.errors()).containsOnlyKeys("-ERR");
    assertThat(report.errorCount()).isEqualTo(report.requests());
  }

  /** An open loop sends exactly rate times duration requests one per connection at a time. */
  @Test
  void openLoopSendsRateTimesDurationRequests() {
    // More connections than rate x timeout (40/s x 2 s): a request holds one at most until it times
    // out, so no request can find them all busy, however slowly this machine answers.
    LoadReport report =
        run(
            "--keys=10",
            "--key-prefix=slow:",
            "--rate=40",
            "--connections=100",
            "--warmup=300ms",
            "--duration=1s");

    assertThat(report.requests()).isEqualTo(40);
    assertThat(report.errors()).isEmpty();
    assertThat(report.latencyMs().p50()).isGreaterThanOrEqualTo(300);
    assertThat(server.connections.get()).as("connections opened").isBetween(1, 100);
    assertThat(server.mostOutstandingOnOneConnection.get())
        .as("commands outstanding on one connection")
        .isEqualTo(1);
  }

  /** An open loop counts requests with no free connection as backlog. */
  @Test
  void openLoopCountsBacklog() {
    // 2 connections of a 300 ms server carry about 7 requests a second; the schedule asks for 50.
    LoadReport report =
        run(
            "--keys=10",
            "--key-prefix=slow:",
            "--rate=50",
            "--connections=2",
            "--warmup=0",
            "--duration=1s");

    assertThat(report.requests()).isEqualTo(50);
    assertThat(report.errors().get("backlog")).isGreaterThan(30);
    assertThat(server.connections.get()).as("connections opened").isEqualTo(2);
  }

  /** A timed-out request is an error of kind timeout and its connection is not reused. */
  @Test
  void timedOutRequestIsTimeoutErrorAndConnectionIsDropped() {
    LoadReport report =
        run(
            "--keys=10",
            "--key-prefix=slow:",
            "--connections=2",
            "--timeout=100ms",
            "--warmup=0",
            "--duration=500ms");

    assertThat(report.requests()).isPositive();
    assertThat(report.errors()).containsOnlyKeys("timeout");
    assertThat(report.errorCount()).isEqualTo(report.requests());
    assertThat(server.mostGetsOnOneConnection.get()).as("GETs on one connection").isEqualTo(1);
  }

  @Test
  void closedPortGivesConnectErrors() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    LoadReport report =
        run(
            "--url=redis://127.0.0.1:" + closedPort,
            "--connections=2",
            "--warmup=0",
            "--duration=300ms");

    assertThat(report.requests()).isPositive();
    assertThat(report.errors()).containsOnlyKeys("connect");
  }

  @Test
  void clientLeavesNoThreadBehind() throws InterruptedException {
    run("--keys=10", "--key-prefix=k:", "--connections=2", "--warmup=0", "--duration=200ms");

    // Lettuce's threads are named loadtest-lettuce-...; shutting down ends them, some a moment
    // after it returns.
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("loadtest-lettuce")) {
        thread.join(5_000);
        assertThat(thread.isAlive()).as("%s is still alive", thread.getName()).isFalse();
      }
    }
  }

  private LoadReport run(String... args) {
    return run(server, progress, args);
  }

  private static LoadReport run(
      FakeRedisServer server, ByteArrayOutputStream progress, String... args) {
    List<String> arguments = new ArrayList<>(List.of("--url=redis://127.0.0.1:" + server.port()));
    arguments.addAll(List.of(args));
    LoadTestOptions options = LoadTestOptions.parse(arguments);
    return new LoadGenerator(options, new PrintStream(progress, true, StandardCharsets.UTF_8))
        .run();
  }

  /** The in-process RESP server, with what it has counted since it started. */
  private static final class FakeRedisServer implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger mostGetsOnOneConnection = new AtomicInteger();
    final AtomicInteger mostOutstandingOnOneConnection = new AtomicInteger();
    private Channel channel;

    static FakeRedisServer start() {
      FakeRedisServer server = new FakeRedisServer();
      server.channel =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                      server.connections.incrementAndGet();
                      channel
                          .pipeline()
                          .addLast(
                              new RedisDecoder(),
                              new RedisBulkStringAggregator(),
                              new RedisArrayAggregator())
                          .addLast(new RedisEncoder(), new FakeRedis(server));
                    }
                  })
              .bind("127.0.0.1", 0)
              .syncUninterruptibly()
              .channel();
      return server;
    }

    int port() {
      return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
      channel.close().syncUninterruptibly();
    }
  }

  /** One per connection; runs on the connection's event loop only. */
  private static final class FakeRedis extends SimpleChannelInboundHandler<ArrayRedisMessage> {
    private final FakeRedisServer server;
    private int gets;
    private int outstanding;

    FakeRedis(FakeRedisServer server) {
      this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, ArrayRedisMessage command) {
      List<String> words = new ArrayList<>();
      for (RedisMessage word : command.children()) {
        words.add(((FullBulkStringRedisMessage) word).content().toString(StandardCharsets.UTF_8));
      }
      if (!words.get(0).equalsIgnoreCase("GET")) {
        context.writeAndFlush(new SimpleStringRedisMessage("OK"));
        return;
      }
      server.mostGetsOnOneConnection.accumulateAndGet(++gets, Math::max);
      server.mostOutstandingOnOneConnection.accumulateAndGet(++outstanding, Math::max);
      String key = words.get(1);
      int n = Integer.parseInt(key.substring(key.indexOf(':') + 1));
      RedisMessage reply;
      if (key.startsWith("err:")) {
        reply = new ErrorRedisMessage("ERR backend unavailable: test");
      } else if (key.startsWith("k:") && n % 10 == 0) {
        reply = FullBulkStringRedisMessage.NULL_INSTANCE;
      } else {
        reply =
            new FullBulkStringRedisMessage(Unpooled.copiedBuffer("value", StandardCharsets.UTF_8));
      }
      Runnable answer =
          () -> {
            outstanding--;
            context.writeAndFlush(reply);
          };
      if (key.startsWith("slow:")) {
        context.executor().schedule(answer, 300, TimeUnit.MILLISECONDS);
      } else {
        answer.run();
      }
    }
  }
}
