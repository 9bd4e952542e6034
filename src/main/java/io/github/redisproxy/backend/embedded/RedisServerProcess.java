package io.github.redisproxy.backend.embedded;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real redis-server (or Redis Sentinel) running as a child process on a loopback port, without
 * persistence, in its own temporary working directory that {@link #close()} deletes.
 *
 * <p>Blocking by nature (it starts and waits for a process): call it from {@code main} or a test,
 * never from an event loop.
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisServerProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static volatile Path extracted;

  private final int port;
  private final Process process;
  private final Path workingDirectory;
  private final String name;
  private volatile boolean stopRequested;
  private volatile boolean stopped;

  private RedisServerProcess(int port, Process process, Path workingDirectory, String name) {
    this.port = port;
    this.process = process;
    this.workingDirectory = workingDirectory;
    this.name = name;
  }

  /** Starts redis-server on a free loopback port. */
  public static RedisServerProcess start() {
    return start(freePort());
  }

  /**
   * Starts redis-server on the given loopback port and waits until it accepts connections.
   *
   * @throws IllegalStateException if it exits or does not become ready in time
   */
  public static RedisServerProcess start(int port) {
    return start(port, List.of());
  }

  /**
   * Starts redis-server on the given loopback port with {@code extraArgs} after the usual ones (for
   * example {@code --cluster-enabled yes} or {@code --replicaof 127.0.0.1 6379}), and waits until
   * it accepts connections. Its working directory is a new temporary directory (where a cluster
   * node keeps its {@code nodes.conf}), deleted by {@link #close()}.
   *
   * @throws IllegalStateException if it exits or does not become ready in time
   */
  public static RedisServerProcess start(int port, List<String> extraArgs) {
    Path dir = createWorkingDirectory("redis-proxy-node-" + port + "-");
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.addAll(commonArgs(port));
    command.addAll(extraArgs);
    return launch("redis-server", port, command, dir, "Ready to accept connections");
  }

  /**
   * Starts a Redis Sentinel on the given loopback port: the same binary with {@code --sentinel} and
   * a config file made of {@code configLines} (for example {@code sentinel monitor mymaster
   * 127.0.0.1 6379 2}) in a new temporary working directory, where the sentinel also rewrites it;
   * {@link #close()} deletes the directory. Returns once the sentinel monitors its first master (it
   * logs {@code +monitor master}, not redis-server's "Ready to accept connections"), so {@code
   * configLines} must contain a {@code sentinel monitor} line.
   *
   * @throws IllegalStateException if it exits or does not become ready in time
   */
  public static RedisServerProcess startSentinel(int port, List<String> configLines) {
    Path dir = createWorkingDirectory("redis-proxy-sentinel-" + port + "-");
    Path config = dir.resolve("sentinel.conf");
    try {
      Files.write(config, configLines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot write " + config, e);
    }
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.add(config.toString());
    command.add("--sentinel");
    command.addAll(commonArgs(port));
    return launch("redis-sentinel", port, command, dir, "+monitor master");
  }

  private static List<String> commonArgs(int port) {
    return List.of(
        "--port",
        Integer.toString(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--daemonize",
        "no");
  }

  private static RedisServerProcess launch(
      String name, int port, List<String> command, Path dir, String readyLine) {
    Process process;
    try {
      process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      deleteRecursively(dir);
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Deque<String> lastLines = new ConcurrentLinkedDeque<>();
    Thread reader =
        new Thread(
            () -> forwardOutput(process.getInputStream(), port, readyLine, ready, lastLines),
            name + "-" + port);
    reader.setDaemon(true);
    reader.start();
    process
        .onExit()
        .thenRun(
            () ->
                ready.completeExceptionally(
                    new IllegalStateException(
                        name + " on port " + port + " exited with " + process.exitValue())));
    try {
      ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      destroyAndWait(process);
      try {
        // Its last lines say why redis-server failed (for example: address already in use).
        reader.join(1_000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      deleteRecursively(dir);
      throw new IllegalStateException(
          name
              + " on port "
              + port
              + " did not start: "
              + e.getMessage()
              + "; it said: "
              + String.join(" | ", lastLines),
          e);
    } catch (InterruptedException e) {
      destroyAndWait(process);
      deleteRecursively(dir);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + name, e);
    }
    log.info("Started {} {} on 127.0.0.1:{} (pid {})", name, command.get(0), port, process.pid());
    return new RedisServerProcess(port, process, dir, name);
  }

  /**
   * Forwards redis-server's output to the log and keeps its last lines, which say why it failed to
   * start.
   */
  private static void forwardOutput(
      InputStream output,
      int port,
      String readyLine,
      CompletableFuture<Void> ready,
      Deque<String> lastLines) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        log.debug("redis-server:{} {}", port, line);
        lastLines.addLast(line.strip());
        if (lastLines.size() > 3) {
          lastLines.pollFirst();
        }
        if (line.contains(readyLine)) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      log.debug("redis-server:{} output closed: {}", port, e.getMessage());
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The process's own temporary working directory (a cluster node's {@code nodes.conf}, a
   * sentinel's config file); {@link #close()} deletes it.
   */
  public Path workingDirectory() {
    return workingDirectory;
  }

  /**
   * Kills the server with SIGKILL, as a crash would, and waits for it to exit: no shutdown, no
   * goodbye to its clients or cluster peers. Its working directory stays until {@link #close()}.
   */
  public void kill() {
    if (!process.isAlive()) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopped = true;
    log.info("Killed {} on port {} (SIGKILL)", name, port);
  }

  /**
   * Stops the server with SIGTERM (SIGKILL after a grace period), waits for it to exit and deletes
   * its working directory. Calling it again, or after {@link #kill()}, only deletes what is left.
   */
  @Override
  public void close() {
    if (process.isAlive() || stopRequested) {
      destroyAndWait(process);
      if (!stopped) {
        stopped = true;
        log.info("Stopped {} on port {}", name, port);
      }
    }
    deleteRecursively(workingDirectory);
  }

  /**
   * Sends SIGTERM without waiting, so that several servers can shut down at once; {@link #close()}
   * then waits for this one.
   */
  void requestStop() {
    if (process.isAlive()) {
      stopRequested = true;
      process.destroy();
    }
  }

  private static void destroyAndWait(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static Path createWorkingDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a working directory for redis-server", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      log.warn("Could not delete {}: {}", dir, e.getMessage());
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The redis-server on PATH, else the one shipped in the embedded-redis jar for this OS and CPU.
   */
  static Path binary() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return extractBundled();
  }

  private static synchronized Path extractBundled() {
    if (extracted != null && Files.isExecutable(extracted)) {
      return extracted;
    }
    String resource = bundledResourceName();
    try (InputStream in = RedisServerProcess.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "no redis-server on PATH and no bundled binary " + resource + " for this platform");
      }
      Path dir = Files.createTempDirectory("redis-proxy-redis-");
      Path binary = dir.resolve("redis-server");
      Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
      if (!binary.toFile().setExecutable(true)) {
        throw new IllegalStateException("cannot make " + binary + " executable");
      }
      binary.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      extracted = binary;
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the bundled redis-server", e);
    }
  }

  private static String bundledResourceName() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.contains("aarch64") || arch.contains("arm64");
    if (os.contains("mac") || os.contains("darwin")) {
      return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    }
    if (os.contains("linux")) {
      return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    }
    throw new IllegalStateException(
        "no bundled redis-server for " + os + "/" + arch + "; put redis-server on PATH");
  }
}
