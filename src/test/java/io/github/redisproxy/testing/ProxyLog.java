package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Everything one proxy process writes, standard output and error interleaved line by line as it
 * arrives, and the questions tests ask of it: wait for a line, count lines, and check that nothing
 * went wrong.
 *
 * <p>"Wrong" is a line with {@code ERROR }, a Netty buffer leak report ({@code LEAK:}) or an
 * uncaught exception ({@code Exception in thread}), unless it matches one of the patterns the proxy
 * was started with as expected (see {@link ProxyExtension.Builder#expectErrorLogs}).
 */
public final class ProxyLog {
  private static final Pattern ERROR = Pattern.compile(" ERROR |LEAK:|Exception in thread");
  private static final int TAIL = 200;

  private final List<String> lines = new ArrayList<>(); // guarded by itself; notified on each line
  private final List<Thread> readers = new ArrayList<>();
  private final List<Pattern> expectedErrors;
  private final BooleanSupplier writerAlive;

  /**
   * @param expectedErrors error lines that are no failure (each pattern is found anywhere in a
   *     line)
   * @param writerAlive whether the process still runs: waits end early once it does not
   */
  ProxyLog(List<Pattern> expectedErrors, BooleanSupplier writerAlive) {
    this.expectedErrors = List.copyOf(expectedErrors);
    this.writerAlive = writerAlive;
  }

  /** Reads {@code stream} line by line on a daemon thread of this name until it ends. */
  void collect(InputStream stream, String threadName) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process is gone
              } finally {
                synchronized (lines) {
                  lines.notifyAll();
                }
              }
            },
            threadName);
    reader.setDaemon(true);
    reader.start();
    readers.add(reader);
  }

  /** Waits (briefly) for the readers to take in the last lines, written just before an exit. */
  void awaitEnd() {
    for (Thread reader : readers) {
      try {
        reader.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Waits until {@code done} accepts the lines so far; false when {@code timeout} passes first or
   * the process ends without it.
   */
  boolean awaitLines(Predicate<List<String>> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (!done.test(lines)) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !writerAlive.getAsBoolean()) {
          return done.test(lines);
        }
        try {
          // Bounded, so that a process exit (which writes no line) is noticed promptly.
          lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return true;
    }
  }

  /** A copy of every line so far. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /**
   * Waits until at least {@code count} lines match {@code pattern} (anywhere in the line) and
   * returns the matching lines; fails with the log's tail when the timeout passes first or the
   * proxy exits.
   */
  public List<String> awaitLog(Pattern pattern, int count, Duration timeout) {
    if (!awaitLines(all -> matching(all, pattern).size() >= count, timeout)) {
      fail(
          "expected "
              + count
              + " lines matching /"
              + pattern
              + "/ within "
              + timeout
              + " but found "
              + linesMatching(pattern).size()
              + (writerAlive.getAsBoolean() ? "" : " (the proxy exited)")
              + "; the output:\n"
              + tail());
    }
    return linesMatching(pattern);
  }

  /** The lines that match {@code pattern} now. */
  public List<String> linesMatching(Pattern pattern) {
    synchronized (lines) {
      return matching(lines, pattern);
    }
  }

  /** How many lines there are so far: a mark for {@link #assertNoErrorsSince}. */
  public int mark() {
    synchronized (lines) {
      return lines.size();
    }
  }

  /** Fails if the proxy logged an error or a buffer leak that was not expected, at any time. */
  public void assertNoErrors() {
    assertNoErrorsSince(0);
  }

  /** Fails if the proxy logged an unexpected error or a buffer leak after the {@link #mark()}. */
  public void assertNoErrorsSince(int mark) {
    List<String> all = lines();
    List<String> errors =
        all.subList(Math.min(mark, all.size()), all.size()).stream()
            .filter(line -> ERROR.matcher(line).find())
            .filter(line -> expectedErrors.stream().noneMatch(p -> p.matcher(line).find()))
            .toList();
    if (!errors.isEmpty()) {
      fail("the proxy logged errors: " + errors + "\n" + tail());
    }
  }

  /** The last lines, for failure messages. */
  public String tail() {
    synchronized (lines) {
      int from = Math.max(0, lines.size() - TAIL);
      StringBuilder text = new StringBuilder();
      if (from > 0) {
        text.append("  [... ").append(from).append(" earlier lines]\n");
      }
      for (String line : lines.subList(from, lines.size())) {
        text.append("  | ").append(line).append('\n');
      }
      return text.toString();
    }
  }

  /** Writes every line to {@code file}; best effort, for the diagnosis of a failure. */
  void save(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, lines(), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      // best effort: the log is a diagnosis aid only
    }
  }

  private static List<String> matching(List<String> lines, Pattern pattern) {
    return lines.stream().filter(line -> pattern.matcher(line).find()).toList();
  }
}
