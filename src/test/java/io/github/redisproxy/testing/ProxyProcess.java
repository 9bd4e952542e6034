package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The launch part of a system test: the packaged proxy ({@code java -jar redis-proxy.jar}, the jar
 * named by the system property {@code redisproxy.jar}) running as a child process, configured only
 * through its environment. Tests get one from {@link ProxyExtension} (a proxy for the whole class)
 * or from {@link ProxyExtension.Builder#start()} (a proxy of a test's own); {@link #run} runs the
 * jar to completion instead (for {@code --help} and bad settings).
 *
 * <p>The child starts from an empty environment holding only {@code PATH} and {@code JAVA_HOME},
 * plus the variables the test gives; it listens on 127.0.0.1 and on free ports unless the test says
 * otherwise, and runs in an empty working directory (so that no {@code .env} file is read). What it
 * writes is collected in its {@link ProxyLog}; {@link #close()} saves that to {@code
 * target/it-proxy-logs/}. The test JVM's {@code io.netty.leakDetection.level} (paranoid under
 * failsafe) is passed on, so that {@link ProxyLog#assertNoErrors()} also catches buffer leaks the
 * proxy reports ({@link #collectGarbage()} makes a leaked buffer show up sooner).
 *
 * <p>When the environment names a {@code RESP_PORT} other than 0 (or the proxy is started with one
 * on a free port), start-up also waits for the RESP port, and {@link #respPort()} returns it.
 */
public final class ProxyProcess implements RunningProxy, AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final String READY = "Listening for HTTP on";
  private static final String RESP_READY = ", RESP on ";
  private static final String MANAGEMENT_READY = ", management on ";
  private static volatile Path workingDirectory;

  /**
   * Proxies not closed yet; killed when the test JVM exits, so that an aborted run leaves none
   * behind.
   */
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kill-leftover-proxies"));
  }

  private final Process process;
  private final int port;
  private final int respPort; // 0 when the RESP front end is off
  private final int managementPort; // 0 when the management port is off
  private final boolean tls; // every port speaks TLS only
  private final ProxyLog log;

  private ProxyProcess(
      Process process,
      int port,
      int respPort,
      int managementPort,
      boolean tls,
      List<Pattern> expectedErrors) {
    this.process = process;
    this.tls = tls;
    this.port = port;
    this.respPort = respPort;
    this.managementPort = managementPort;
    this.log = new ProxyLog(expectedErrors, process::isAlive);
  }

  /**
   * Starts the proxy with these environment variables and JVM options, and waits until it logs that
   * it listens. Ports the environment does not name are chosen free: {@code PROXY_PORT}, {@code
   * MANAGEMENT_PORT} and, with {@code withResp}, {@code RESP_PORT}.
   *
   * @param expectedErrors error lines that {@link ProxyLog#assertNoErrors()} lets pass
   */
  static ProxyProcess start(
      Map<String, String> env,
      boolean withResp,
      List<String> jvmOptions,
      List<Pattern> expectedErrors) {
    Map<String, String> environment = new LinkedHashMap<>(env);
    environment.putIfAbsent("PROXY_PORT", Integer.toString(RedisServerProcess.freePort()));
    if (withResp && !environment.containsKey("RESP_PORT")) {
      environment.put("RESP_PORT", Integer.toString(freePortNotIn(environment)));
    }
    environment.putIfAbsent("BIND_ADDRESS", "127.0.0.1");
    if (!environment.containsKey("MANAGEMENT_PORT")) {
      environment.put("MANAGEMENT_PORT", Integer.toString(freePortNotIn(environment)));
    }
    int port = Integer.parseInt(environment.get("PROXY_PORT"));
    Process process = launch(List.of(), environment, jvmOptions);
    RUNNING.add(process);
    ProxyProcess proxy =
        new ProxyProcess(
            process,
            port,
            portOf(environment, "RESP_PORT"),
            portOf(environment, "MANAGEMENT_PORT"),
            !environment.getOrDefault("TLS_CERT_FILE", "").isBlank(),
            expectedErrors);
    proxy.log.collect(process.getInputStream(), "proxy-" + port + "-stdout");
    proxy.log.collect(process.getErrorStream(), "proxy-" + port + "-stderr");
    proxy.awaitReady();
    return proxy;
  }

  /** A free port that no setting in {@code environment} names already. */
  private static int freePortNotIn(Map<String, String> environment) {
    int port;
    do {
      port = RedisServerProcess.freePort();
    } while (environment.containsValue(Integer.toString(port)));
    return port;
  }

  /**
   * The port the environment asks for; 0 when it asks for none (or for one the proxy will refuse).
   */
  private static int portOf(Map<String, String> environment, String setting) {
    try {
      return Integer.parseInt(environment.getOrDefault(setting, "0").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The outcome of running the jar to completion. */
  public record Run(int exitCode, List<String> stdout, List<String> stderr) {}

  /**
   * Runs the jar with these arguments and environment variables until it exits (for --help and bad
   * settings).
   */
  public static Run run(List<String> args, Map<String, String> env, Duration timeout) {
    Process process = launch(args, env, List.of());
    try {
      process.getOutputStream().close();
      ProxyLog stdout = new ProxyLog(List.of(), process::isAlive);
      ProxyLog stderr = new ProxyLog(List.of(), process::isAlive);
      stdout.collect(process.getInputStream(), "proxy-run-stdout");
      stderr.collect(process.getErrorStream(), "proxy-run-stderr");
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        fail("the proxy did not exit within " + timeout);
      }
      stdout.awaitEnd();
      stderr.awaitEnd();
      return new Run(process.exitValue(), stdout.lines(), stderr.lines());
    } catch (IOException e) {
      process.destroyForcibly();
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Process launch(
      List<String> args, Map<String, String> env, List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String leakDetection = System.getProperty("io.netty.leakDetection.level");
    if (leakDetection != null) {
      command.add("-Dio.netty.leakDetection.level=" + leakDetection);
    }
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory().toFile());
    Map<String, String> environment = builder.environment();
    environment.clear();
    for (String inherited : List.of("PATH", "JAVA_HOME")) {
      String value = System.getenv(inherited);
      if (value != null) {
        environment.put(inherited, value);
      }
    }
    environment.putAll(env);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  private static Path jar() {
    String jar = System.getProperty("redisproxy.jar");
    if (jar == null) {
      throw new IllegalStateException(
          "system property redisproxy.jar is not set; run the system tests with mvn verify (failsafe sets it)");
    }
    Path path = Path.of(jar);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(path + " does not exist; run mvn package first");
    }
    return path;
  }

  private static Path workingDirectory() {
    Path dir = workingDirectory;
    if (dir == null) {
      synchronized (ProxyProcess.class) {
        dir = workingDirectory;
        if (dir == null) {
          try {
            dir = Files.createTempDirectory("redis-proxy-it-");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          dir.toFile().deleteOnExit();
          workingDirectory = dir;
        }
      }
    }
    return dir;
  }

  private void awaitReady() {
    List<String> ready = new ArrayList<>(List.of(READY));
    if (respPort != 0) {
      ready.add(RESP_READY);
    }
    if (managementPort != 0) {
      ready.add(MANAGEMENT_READY);
    }
    boolean logged =
        log.awaitLines(
            lines ->
                ready.stream()
                    .allMatch(marker -> lines.stream().anyMatch(line -> line.contains(marker))),
            START_TIMEOUT);
    if (!logged) {
      String why =
          process.isAlive() ? "did not log " + ready + " within " + START_TIMEOUT : "exited";
      process.destroyForcibly();
      RUNNING.remove(process);
      fail("the proxy " + why + "; its output:\n" + log.tail());
    }
  }

  /**
   * Waits until the proxy answers {@code GET} with something other than 503, which means its Redis
   * connection is up. It asks for a key that no test uses, so Redis counts one {@code GET} or more:
   * reset the statistics afterwards if the test counts them.
   */
  @Override
  public void awaitBackendReady() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(baseUri().resolve("/it:backend-ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int status = 0;
    while (System.nanoTime() - deadline < 0) {
      try {
        status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        status = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (status != 503 && status != -1) {
        return;
      }
      pauseBriefly();
    }
    fail(
        "the proxy did not reach Redis within 10 s (last status "
            + status
            + "); its output:\n"
            + log.tail());
  }

  /** The HTTP port. */
  @Override
  public int port() {
    return port;
  }

  /** The RESP port; fails if the proxy was started without one. */
  @Override
  public int respPort() {
    if (respPort == 0) {
      throw new IllegalStateException(this + " was started without RESP_PORT");
    }
    return respPort;
  }

  /** The management port; fails if the proxy was started with MANAGEMENT_PORT=0. */
  @Override
  public int managementPort() {
    if (managementPort == 0) {
      throw new IllegalStateException(this + " was started with MANAGEMENT_PORT=0");
    }
    return managementPort;
  }

  /**
   * The TCP ports the proxy process itself listens on ({@link ListeningPorts}); empty where there
   * is no {@code /proc} (macOS).
   */
  public Optional<Set<Integer>> listeningPorts() {
    return ListeningPorts.of(process.pid());
  }

  /**
   * Where {@link #listeningPorts()} can tell (Linux), fails unless the proxy listens on exactly
   * these ports; elsewhere checks nothing.
   */
  public void assertListensOnlyOn(Integer... ports) {
    listeningPorts()
        .ifPresent(listening -> assertEquals(Set.of(ports), listening, "listening ports"));
  }

  /**
   * Asks the proxy's JVM for a full garbage collection ({@code jcmd PID GC.run}), so that a Netty
   * buffer that was never released is found by the leak detector and reported ({@code LEAK: ...})
   * at the proxy's next buffer allocation, rather than never in a short test run. Best effort: does
   * nothing without {@code jcmd} (a JRE).
   */
  public void collectGarbage() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd) || !process.isAlive()) {
      return;
    }
    try {
      Process gc =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!gc.waitFor(20, TimeUnit.SECONDS)) {
        gc.destroyForcibly();
      }
    } catch (IOException e) {
      // best effort
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether the proxy was started with TLS on every port; the fixtures' clear-text clients (the
   * readiness probe, {@link #management()}) cannot talk to it then.
   */
  public boolean speaksTls() {
    return tls;
  }

  /** Whether the proxy was started with a management port (not {@code MANAGEMENT_PORT=0}). */
  public boolean hasManagementPort() {
    return managementPort != 0;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public ProxyLog log() {
    return log;
  }

  /** Fails if the proxy logged an unexpected error or a Netty buffer leak so far. */
  public void assertNoErrorsLogged() {
    log.assertNoErrors();
  }

  /**
   * For the end of a proxy's life in a test: makes a buffer leak show up ({@link
   * #collectGarbage()}, then one request, whose buffer allocations report what the collection
   * found), stops the proxy ({@link #close()}), and then fails if it logged an unexpected error or
   * a leak at any time, its shutdown included.
   */
  public void closeAndAssertNoErrorsLogged() {
    try {
      if (process.isAlive()) {
        collectGarbage();
        if (tls) {
          touchOverClearText(); // any bytes read allocate a buffer, which reports a leak
        } else {
          RawHttp.request(port, "GET", "/it:leak-check");
        }
      }
    } finally {
      close();
    }
    log.assertNoErrors();
  }

  /** Sends clear text to a TLS port and waits until the proxy closes the connection. */
  private void touchOverClearText() {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket
          .getOutputStream()
          .write("GET /it:leak-check HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      // a reset, or no answer within 5 s: either way the bytes were read
    }
  }

  /**
   * SIGTERM on Linux and macOS. Sent through the {@link ProcessHandle}: {@link Process#destroy()}
   * would also close this side of the output pipes, and the lines the proxy writes while it shuts
   * down would be lost.
   */
  public void sigterm() {
    process.toHandle().destroy();
  }

  /**
   * Waits for the process to exit and returns its exit code; fails if it is still running after the
   * timeout. Once it returns, {@link #log()} holds every line the proxy wrote.
   */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("the proxy did not exit within " + timeout + "; its output:\n" + log.tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    log.awaitEnd();
    return process.exitValue();
  }

  /**
   * Stops the process if it still runs (SIGTERM, then SIGKILL after 5 s; so that a proxy with an
   * embedded redis-server gets to stop it), and keeps its output in {@code target/it-proxy-logs/}
   * (next to the jar) for the diagnosis of a failure.
   */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        sigterm();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    RUNNING.remove(process);
    log.awaitEnd();
    log.save(
        jar()
            .toAbsolutePath()
            .getParent()
            .resolve("it-proxy-logs")
            .resolve("proxy-" + port + "-pid" + process.pid() + ".log"));
  }

  @Override
  public String toString() {
    return "proxy on port " + port + " (pid " + process.pid() + ")";
  }

  private static void pauseBriefly() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
