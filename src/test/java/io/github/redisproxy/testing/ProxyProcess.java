package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.redisproxy.backend.embedded.RedisServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged proxy ({@code java -jar redis-proxy.jar}, the jar named by the system property
 * {@code redisproxy.jar}) running as a child process, configured only through its environment.
 *
 * <p>The child starts from an empty environment holding only {@code PATH} and {@code JAVA_HOME},
 * plus the variables the test gives; it listens on 127.0.0.1 and on a free port unless the test
 * says otherwise, and runs in an empty working directory (so that no {@code .env} file is read).
 * Its standard output and error are collected line by line; {@link #close()} saves them to {@code
 * target/it-proxy-logs/}. The test JVM's {@code io.netty.leakDetection.level} (paranoid under
 * failsafe) is passed on, so that {@link #assertNoErrorsLogged()} also catches buffer leaks the
 * proxy reports ({@link #collectGarbage()} makes a leaked buffer show up sooner).
 *
 * <p>When the environment names a {@code RESP_PORT} other than 0 (or the proxy is started with
 * {@link #startWithResp}), start-up also waits for the RESP port, and {@link #respPort()} returns
 * it.
 */
public final class ProxyProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final String READY = "Listening for HTTP on";
  private static final String RESP_READY = ", RESP on ";
  private static final String MANAGEMENT_READY = ", management on ";
  private static final int OUTPUT_TAIL = 200;
  private static volatile Path workingDirectory;

  /**
   * Proxies not closed yet; killed when the test JVM exits, so that an aborted run leaves none
   * behind.
   */
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  /** The same proxies, for {@link #awaitInvalidationsHandled}. */
  private static final Set<ProxyProcess> STARTED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kill-leftover-proxies"));
  }

  private final Process process;
  private final int port;
  private final int respPort; // 0 when the RESP front end is off
  private final int managementPort; // 0 when the management port is off
  private final String redisAddress; // REDIS_ADDRESS, or null when the environment names none
  private final List<String> output =
      new ArrayList<>(); // guarded by itself; notified on every line
  private final List<Thread> readers = new ArrayList<>();

  private ProxyProcess(
      Process process, int port, int respPort, int managementPort, String redisAddress) {
    this.process = process;
    this.port = port;
    this.respPort = respPort;
    this.managementPort = managementPort;
    this.redisAddress = redisAddress;
  }

  /** Starts the proxy with these environment variables and waits until it listens. */
  public static ProxyProcess start(Map<String, String> env) {
    return start(env, List.of());
  }

  /**
   * Starts the proxy with these environment variables plus a {@code RESP_PORT} on a free port
   * (unless {@code env} names one), and waits until it listens on both ports.
   */
  public static ProxyProcess startWithResp(Map<String, String> env) {
    Map<String, String> environment = new LinkedHashMap<>(env);
    environment.putIfAbsent("PROXY_PORT", Integer.toString(RedisServerProcess.freePort()));
    if (!environment.containsKey("RESP_PORT")) {
      int respPort;
      do {
        respPort = RedisServerProcess.freePort();
      } while (Integer.toString(respPort).equals(environment.get("PROXY_PORT")));
      environment.put("RESP_PORT", Integer.toString(respPort));
    }
    return start(environment);
  }

  /**
   * Starts the proxy with these environment variables and extra JVM options (system properties,
   * say) and waits until it logs that it listens.
   */
  public static ProxyProcess start(Map<String, String> env, List<String> jvmOptions) {
    Map<String, String> environment = new LinkedHashMap<>(env);
    environment.putIfAbsent("PROXY_PORT", Integer.toString(RedisServerProcess.freePort()));
    environment.putIfAbsent("BIND_ADDRESS", "127.0.0.1");
    if (!environment.containsKey("MANAGEMENT_PORT")) {
      int managementPort;
      do {
        managementPort = RedisServerProcess.freePort();
      } while (environment.containsValue(Integer.toString(managementPort)));
      environment.put("MANAGEMENT_PORT", Integer.toString(managementPort));
    }
    int port = Integer.parseInt(environment.get("PROXY_PORT"));
    int respPort = portOf(environment, "RESP_PORT");
    int managementPort = portOf(environment, "MANAGEMENT_PORT");
    Process process = launch(List.of(), environment, jvmOptions);
    RUNNING.add(process);
    ProxyProcess proxy =
        new ProxyProcess(process, port, respPort, managementPort, environment.get("REDIS_ADDRESS"));
    STARTED.add(proxy);
    proxy.collect(process.getInputStream(), "stdout");
    proxy.collect(process.getErrorStream(), "stderr");
    proxy.awaitReady();
    return proxy;
  }

  /**
   * Returns once every running proxy whose REDIS_ADDRESS names {@code redisPort} has handled every
   * invalidation Redis has sent it so far, so that a test's first read cannot overlap the handling
   * of a {@code FLUSHALL} run before it (which would remove that read's load, and make its second
   * read a miss). {@code GET /health} is the barrier: its {@code PING} goes over the connection
   * that carries the invalidations, and Lettuce hands the proxy every push that came before the
   * reply before it reads the reply. A proxy without a connection answers 503 at once, which is
   * fine: it has nothing cached to keep coherent.
   */
  public static void awaitInvalidationsHandled(int redisPort) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (ProxyProcess proxy : STARTED) {
      if (proxy.managementPort == 0
          || proxy.redisAddress == null
          || !proxy.redisAddress.contains(":" + redisPort)
          || !proxy.process.isAlive()) {
        continue;
      }
      HttpRequest health =
          HttpRequest.newBuilder(proxy.managementUri().resolve("/health"))
              .timeout(Duration.ofSeconds(10))
              .build();
      try {
        client.send(health, HttpResponse.BodyHandlers.discarding());
      } catch (IOException e) {
        // the proxy is stopping: nothing to wait for
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
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
      var stdout = new CompletableFuture<List<String>>();
      var stderr = new CompletableFuture<List<String>>();
      readAll(process.getInputStream(), stdout);
      readAll(process.getErrorStream(), stderr);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        fail("the proxy did not exit within " + timeout);
      }
      return new Run(
          process.exitValue(), stdout.get(5, TimeUnit.SECONDS), stderr.get(5, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroyForcibly();
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

  private void collect(InputStream stream, String name) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  synchronized (output) {
                    output.add(line);
                    output.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process is gone
              } finally {
                synchronized (output) {
                  output.notifyAll();
                }
              }
            },
            "proxy-" + port + "-" + name);
    reader.setDaemon(true);
    reader.start();
    readers.add(reader);
  }

  private static void readAll(InputStream stream, CompletableFuture<List<String>> result) {
    Thread reader =
        new Thread(
            () -> {
              List<String> lines = new ArrayList<>();
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
              result.complete(lines);
            },
            "proxy-run-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    List<String> ready = new ArrayList<>(List.of(READY));
    if (respPort != 0) {
      ready.add(RESP_READY);
    }
    if (managementPort != 0) {
      ready.add(MANAGEMENT_READY);
    }
    synchronized (output) {
      while (!ready.stream()
          .allMatch(marker -> output.stream().anyMatch(line -> line.contains(marker)))) {
        long left = deadline - System.nanoTime();
        if (!process.isAlive() || left <= 0) {
          String why =
              process.isAlive() ? "did not log " + ready + " within " + START_TIMEOUT : "exited";
          process.destroyForcibly();
          fail("the proxy " + why + "; its output:\n" + tail(output));
        }
        waitOn(output, left);
      }
    }
  }

  /**
   * Waits until the proxy answers {@code GET} with something other than 503, which means its Redis
   * connection is up. It asks for a key that no test uses, so Redis counts one {@code GET} or more:
   * reset the statistics afterwards if the test counts them.
   */
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
            + outputTail());
  }

  /**
   * Waits until the gauge {@code redis_proxy_invalidation_tracking} on the management port reads 1:
   * every key the proxy caches from now on will be invalidated when it changes in Redis. Under
   * {@code CACHE_INVALIDATION=tracking} that holds once {@code CLIENT TRACKING on} has succeeded,
   * after the first connection (so {@link #awaitBackendReady()} already implies it) and again after
   * every reconnect: in between, loads are answered but not cached, so a test that restarted Redis
   * calls this before it counts on a second read being a hit. Always 1 under {@code none}.
   */
  public void awaitInvalidationTracking() {
    Polling.until(
        Duration.ofSeconds(10),
        "redis_proxy_invalidation_tracking to be 1 on " + this,
        () -> metric("redis_proxy_invalidation_tracking"),
        value -> value == 1.0);
  }

  /** The management port's {@code GET /metrics}: Prometheus text. */
  public String metrics() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(managementUri().resolve("/metrics"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response =
          client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        fail("GET /metrics answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET /metrics on " + this, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The value of one series on {@link #metrics()}, named exactly as the page writes it: the metric
   * name and its labels in the order Micrometer writes them, e.g. {@code
   * redis_proxy_invalidations_total{kind="key"}}. Fails if the page has no such line.
   */
  public double metric(String series) {
    String page = metrics();
    Matcher sample =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(page);
    if (!sample.find()) {
      fail("no series " + series + " on /metrics:\n" + page);
    }
    return Double.parseDouble(sample.group(1));
  }

  /** The HTTP port. */
  public int port() {
    return port;
  }

  /** The RESP port; fails if the proxy was started without one. */
  public int respPort() {
    if (respPort == 0) {
      throw new IllegalStateException(this + " was started without RESP_PORT");
    }
    return respPort;
  }

  /** The management port; fails if the proxy was started with MANAGEMENT_PORT=0. */
  public int managementPort() {
    if (managementPort == 0) {
      throw new IllegalStateException(this + " was started with MANAGEMENT_PORT=0");
    }
    return managementPort;
  }

  /** {@code http://127.0.0.1:MANAGEMENT_PORT}. */
  public URI managementUri() {
    return URI.create("http://127.0.0.1:" + managementPort());
  }

  /** {@code redis://127.0.0.1:RESP_PORT}, for a Redis client library. */
  public String respUri() {
    return "redis://127.0.0.1:" + respPort();
  }

  /**
   * The TCP ports the proxy process itself listens on, read from {@code /proc} (its socket
   * descriptors matched against the kernel's tables of listening sockets); empty where there is no
   * {@code /proc} (macOS).
   */
  public Optional<Set<Integer>> listeningPorts() {
    Path fds = Path.of("/proc", Long.toString(process.pid()), "fd");
    Path net = Path.of("/proc", Long.toString(process.pid()), "net");
    if (!Files.isDirectory(fds) || !Files.isDirectory(net)) {
      return Optional.empty();
    }
    try {
      Set<String> socketInodes = new HashSet<>();
      try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
        for (Path link : links) {
          try {
            String target = Files.readSymbolicLink(link).toString();
            if (target.startsWith("socket:[")) {
              socketInodes.add(target.substring("socket:[".length(), target.length() - 1));
            }
          } catch (IOException e) {
            // a descriptor closed while listing
          }
        }
      }
      Set<Integer> ports = new TreeSet<>();
      for (String table : List.of("tcp", "tcp6")) {
        Path file = net.resolve(table);
        if (!Files.exists(file)) {
          continue;
        }
        List<String> rows = Files.readAllLines(file);
        for (String row : rows.subList(1, rows.size())) {
          // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
          // inode ...
          String[] fields = row.trim().split("\\s+");
          boolean listening = fields[3].equals("0A");
          if (listening && socketInodes.contains(fields[9])) {
            String local = fields[1];
            ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
          }
        }
      }
      return Optional.of(ports);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the sockets of " + this, e);
    }
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

  /** {@code http://127.0.0.1:PORT/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** A copy of every line the proxy has written so far, standard output and error interleaved. */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /**
   * Waits until at least {@code count} output lines match {@code pattern} (anywhere in the line)
   * and returns the matching lines; fails with the output when the timeout passes first or the
   * proxy exits.
   */
  public List<String> awaitLog(Pattern pattern, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (output) {
      while (true) {
        List<String> matching =
            output.stream().filter(line -> pattern.matcher(line).find()).toList();
        if (matching.size() >= count) {
          return matching;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.isAlive()) {
          fail(
              "expected "
                  + count
                  + " lines matching /"
                  + pattern
                  + "/ within "
                  + timeout
                  + " but found "
                  + matching.size()
                  + (process.isAlive() ? "" : " (the proxy exited)")
                  + "; the output:\n"
                  + tail(output));
        }
        waitOn(output, left);
      }
    }
  }

  /** The lines that match {@code pattern} now. */
  public List<String> linesMatching(Pattern pattern) {
    return output().stream().filter(line -> pattern.matcher(line).find()).toList();
  }

  /** Fails if the proxy logged an error or a Netty buffer leak so far. */
  public void assertNoErrorsLogged() {
    assertNoErrorsLoggedSince(0);
  }

  /** How many lines the proxy has written so far: a mark for {@link #assertNoErrorsLoggedSince}. */
  public int outputMark() {
    synchronized (output) {
      return output.size();
    }
  }

  /**
   * Fails if the proxy logged an error or a Netty buffer leak after the {@link #outputMark()}
   * {@code mark}.
   */
  public void assertNoErrorsLoggedSince(int mark) {
    List<String> lines = output();
    Pattern error = Pattern.compile(" ERROR |LEAK:|Exception in thread");
    List<String> errors =
        lines.subList(Math.min(mark, lines.size()), lines.size()).stream()
            .filter(line -> error.matcher(line).find())
            .toList();
    if (!errors.isEmpty()) {
      fail("the proxy logged errors: " + errors + "\n" + outputTail());
    }
  }

  /**
   * For the end of a test class: makes a buffer leak show up ({@link #collectGarbage()}, then one
   * request, whose buffer allocations report what the collection found), stops the proxy ({@link
   * #close()}), and then fails if it logged an error or a leak at any time, its shutdown included.
   */
  public void closeAndAssertNoErrorsLogged() {
    try {
      if (process.isAlive()) {
        collectGarbage();
        RawHttp.request(port, "GET", "/it:leak-check");
      }
    } finally {
      close();
    }
    assertNoErrorsLogged();
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
   * timeout. Once it returns, {@link #output()} holds every line the proxy wrote.
   */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("the proxy did not exit within " + timeout + "; its output:\n" + outputTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    joinReaders();
    return process.exitValue();
  }

  private void joinReaders() {
    for (Thread reader : readers) {
      try {
        reader.join(2000); // the last lines, written just before the exit
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The last lines of output, for failure messages. */
  public String outputTail() {
    synchronized (output) {
      return tail(output);
    }
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
    STARTED.remove(this);
    joinReaders();
    saveOutput();
  }

  private void saveOutput() {
    try {
      Path dir = jar().toAbsolutePath().getParent().resolve("it-proxy-logs");
      Files.createDirectories(dir);
      Files.write(
          dir.resolve("proxy-" + port + "-pid" + process.pid() + ".log"),
          output(),
          StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      // best effort: the log is a diagnosis aid only
    }
  }

  @Override
  public String toString() {
    return "proxy on port " + port + " (pid " + process.pid() + ")";
  }

  private static String tail(List<String> lines) {
    int from = Math.max(0, lines.size() - OUTPUT_TAIL);
    StringBuilder text = new StringBuilder();
    if (from > 0) {
      text.append("  [... ").append(from).append(" earlier lines]\n");
    }
    for (String line : lines.subList(from, lines.size())) {
      text.append("  | ").append(line).append('\n');
    }
    return text.toString();
  }

  private static void waitOn(Object monitor, long nanos) {
    try {
      // Bounded, so that a process exit (which produces no line) is noticed promptly.
      monitor.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(nanos), 100)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
