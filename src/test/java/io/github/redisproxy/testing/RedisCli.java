package io.github.redisproxy.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code redis-cli} on {@code PATH}, if there is one, run as a child process. Tests that need
 * it skip themselves (with an assumption) where it is not installed; this class never installs it.
 */
public final class RedisCli {
  private RedisCli() {}

  /** What one run printed. */
  public record Run(int exitCode, String stdout, String stderr) {}

  /** The {@code redis-cli} executable on {@code PATH}, or empty. */
  public static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-cli");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public static boolean isInstalled() {
    return find().isPresent();
  }

  /**
   * Runs {@code redis-cli -h 127.0.0.1 -p PORT ARGS...} with {@code stdin} as its standard input
   * (closed after it), and waits until it exits.
   */
  public static Run run(int port, String stdin, Duration timeout, String... args) {
    Path cli = find().orElseThrow(() -> new IllegalStateException("redis-cli is not on PATH"));
    List<String> command =
        new ArrayList<>(List.of(cli.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    try {
      CompletableFuture<String> stdout = readAll(process.getInputStream());
      CompletableFuture<String> stderr = readAll(process.getErrorStream());
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(
            command
                + " did not exit within "
                + timeout
                + "; stdout so far: "
                + stdout.getNow("(unread)"));
      }
      return new Run(
          process.exitValue(), stdout.get(5, TimeUnit.SECONDS), stderr.get(5, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (IOException | ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new IllegalStateException("running " + command, e);
    }
  }

  private static CompletableFuture<String> readAll(InputStream stream) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                result.completeExceptionally(e);
              }
            },
            "redis-cli-output");
    reader.setDaemon(true);
    reader.start();
    return result;
  }
}
