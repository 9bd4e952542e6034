package io.github.redisproxy.app;

import io.github.redisproxy.config.ConfigException;
import io.github.redisproxy.config.ConfigLoader;
import io.github.redisproxy.config.ProxyConfig;
import io.github.redisproxy.config.Settings;
import io.github.redisproxy.loadtest.LoadTest;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar redis-proxy.jar [--setting=value ...]}, or {@code java -jar redis-proxy.jar
 * loadtest [--option=value ...]} for the load generator, which shares the jar and nothing else, or
 * {@code cds-training} for the build's AppCDS training run ({@link CdsTraining}).
 *
 * <p>Exit codes: 0 after {@code --help} or a clean shutdown on SIGTERM/SIGINT, 1 when the proxy
 * cannot start, 2 for a bad setting.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    List<String> arguments = List.of(args);
    if (!arguments.isEmpty() && arguments.get(0).equals("loadtest")) {
      System.exit(LoadTest.run(arguments.subList(1, arguments.size()), System.out, System.err));
      return;
    }
    if (arguments.equals(List.of("cds-training"))) {
      System.exit(CdsTraining.run(System.err));
      return;
    }
    if (arguments.contains("--help") || arguments.contains("-h")) {
      System.out.print(Settings.help());
      System.out.print(
          "\nLoad generator: java -jar redis-proxy.jar loadtest [--option=value ...]"
              + " (loadtest --help lists its options)\n");
      return;
    }
    ProxyConfig config;
    try {
      config = ConfigLoader.load(arguments, System.getenv(), Path.of(".env"));
    } catch (ConfigException e) {
      System.err.println("redis-proxy: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.logFormat(), config.logLevel(), config.server().accessLog());
    Logger log = LoggerFactory.getLogger(Main.class);

    ProxyServer server;
    try {
      server = ProxyServer.start(config);
    } catch (ConfigException e) {
      // A setting whose value turned out unusable only when used (e.g. a TLS file that is no PEM).
      System.err.println("redis-proxy: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      log.error("Cannot start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    // SIGTERM and SIGINT run shutdown hooks. This one drains and then halts with 0, because a JVM
    // that exits on a signal otherwise reports 143 or 130, which supervisors read as a failure
    // although the shutdown was clean.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop();
                  Runtime.getRuntime().halt(0);
                },
                "shutdown"));
    server.awaitStopped();
  }
}
