package io.github.redisproxy.config;

/**
 * The management port: health, metrics and the cache's admin endpoints, apart from the proxy port
 * so that they never share its key namespace.
 *
 * @param port the management port, or 0 when it is off
 */
public record ManagementConfig(int port) {

  public boolean enabled() {
    return port != 0;
  }
}
