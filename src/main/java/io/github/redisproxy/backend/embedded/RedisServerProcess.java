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
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real redis-server running as a child process on a loopback port, without persistence.
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

  private RedisServerProcess(int port, Process process) {
    this.port = port;
    this.process = process;
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
    Path binary = binary();
    List<String> command =
        List.of(
            binary.toString(),
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
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary, e);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Deque<String> lastLines = new ConcurrentLinkedDeque<>();
    Thread reader =
        new Thread(
            () -> forwardOutput(process.getInputStream(), port, ready, lastLines),
            "redis-server-" + port);
    reader.setDaemon(true);
    reader.start();
    process
        .onExit()
        .thenRun(
            () ->
                ready.completeExceptionally(
                    new IllegalStateException(
                        "redis-server on port " + port + " exited with " + process.exitValue())));
    try {
      ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      try {
        // Its last lines say why redis-server failed (for example: address already in use).
        reader.join(1_000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(
          "redis-server on port "
              + port
              + " did not start: "
              + e.getMessage()
              + "; it said: "
              + String.join(" | ", lastLines),
          e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting redis-server", e);
    }
    log.info("Started redis-server {} on 127.0.0.1:{} (pid {})", binary, port, process.pid());
    return new RedisServerProcess(port, process);
  }

  /**
   * Forwards redis-server's output to the log and keeps its last lines, which say why it failed to
   * start.
   */
  private static void forwardOutput(
      InputStream output, int port, CompletableFuture<Void> ready, Deque<String> lastLines) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        log.debug("redis-server:{} {}", port, line);
        lastLines.addLast(line.strip());
        if (lastLines.size() > 3) {
          lastLines.pollFirst();
        }
        if (line.contains("Ready to accept connections")) {
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

  /** Stops the server with SIGTERM (SIGKILL after a grace period) and waits for it to exit. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    log.info("Stopped redis-server on port {}", port);
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
