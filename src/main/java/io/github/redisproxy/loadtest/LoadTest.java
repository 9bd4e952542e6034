package io.github.redisproxy.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code java -jar redis-proxy.jar loadtest [--option=value ...]}: the load generator's command
 * line. Exit codes: 0 when the run completed (whatever its errors; they are in the report), 1 when
 * it could not run, 2 for a bad option.
 */
public final class LoadTest {
  private LoadTest() {}

  /**
   * Runs the command.
   *
   * @param args the arguments after {@code loadtest}
   * @param out where the report goes
   * @param err where progress and errors go
   * @return the exit code
   */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(LoadTestOptions.help());
      return 0;
    }
    LoadTestOptions options;
    try {
      options = LoadTestOptions.parse(args);
    } catch (OptionException e) {
      err.println("redis-proxy loadtest: " + e.getMessage());
      return 2;
    }
    configureLogging();
    try {
      if (options.seedRedis().isPresent()) {
        long started = System.nanoTime();
        RedisSeeder.seed(
            options.seedRedis().get(), options.keyPrefix(), options.keys(), options.valueSize());
        err.printf(
            Locale.ROOT,
            "seeded %d keys of %d bytes in %s in %.2f s%n",
            options.keys(),
            options.valueSize(),
            options.seedRedis().get(),
            (System.nanoTime() - started) / 1e9);
      }
      LoadReport report = new LoadGenerator(options, err).run();
      out.print(report.text());
      out.flush();
      if (options.output().isPresent()) {
        write(options.output().get(), report);
      }
      return 0;
    } catch (RuntimeException e) {
      err.println(
          "redis-proxy loadtest: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return 1;
    }
  }

  private static void write(Path file, LoadReport report) {
    String text =
        file.toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? report.csv() : report.json();
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e, e);
    }
  }

  /**
   * Library log lines to stderr and only from warn up, so that stdout holds the report alone: the
   * jar's logback-loadtest.xml instead of the proxy's logback.xml.
   */
  private static void configureLogging() {
    setIfAbsent("logback.configurationFile", "logback-loadtest.xml");
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
