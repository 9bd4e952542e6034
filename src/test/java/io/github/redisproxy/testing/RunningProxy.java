package io.github.redisproxy.testing;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One proxy under test, whether a test class shares it ({@link ProxyExtension}) or a test started
 * it for itself ({@link ProxyProcess}): its ports, its log and its management port, under the names
 * tests use.
 */
public interface RunningProxy {
  /** The HTTP port. */
  int port();

  /** The RESP port; fails if the proxy was started without one. */
  int respPort();

  /** The management port; fails if the proxy was started with {@code MANAGEMENT_PORT=0}. */
  int managementPort();

  /** What the proxy has written so far. */
  ProxyLog log();

  /** {@link ProxyProcess#awaitBackendReady()}. */
  void awaitBackendReady();

  /** A client of the management port. */
  default ManagementClient management() {
    return new ManagementClient(this::managementPort);
  }

  /** {@code http://127.0.0.1:PORT/}. */
  default URI baseUri() {
    return URI.create("http://127.0.0.1:" + port() + "/");
  }

  /** {@code http://127.0.0.1:MANAGEMENT_PORT}. */
  default URI managementUri() {
    return URI.create("http://127.0.0.1:" + managementPort());
  }

  /** {@code redis://127.0.0.1:RESP_PORT}, for a Redis client library. */
  default String respUri() {
    return "redis://127.0.0.1:" + respPort();
  }

  /** {@link ProxyLog#awaitLog}. */
  default List<String> awaitLog(Pattern pattern, int count, Duration timeout) {
    return log().awaitLog(pattern, count, timeout);
  }

  /** {@link ProxyLog#linesMatching}. */
  default List<String> linesMatching(Pattern pattern) {
    return log().linesMatching(pattern);
  }

  /** {@link ManagementClient#awaitInvalidationTracking()}. */
  default void awaitInvalidationTracking() {
    management().awaitInvalidationTracking();
  }

  /** {@link ManagementClient#metric}. */
  default double metric(String series) {
    return management().metric(series);
  }
}
