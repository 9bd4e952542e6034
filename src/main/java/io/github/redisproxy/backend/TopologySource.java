package io.github.redisproxy.backend;

import java.util.function.Consumer;
import reactor.core.publisher.Mono;

/**
 * Where a {@link RoutedBackend} learns which node serves which slot: Lettuce's cluster client, or
 * the sentinels. It reports a topology once it knows one, and again whenever it may have changed.
 */
interface TopologySource extends AutoCloseable {

  /**
   * Starts discovering in the background; {@code onTopology} gets the first topology found and each
   * later one (possibly unchanged), one call at a time.
   */
  void start(Consumer<Topology> onTopology);

  /** Asks for a refresh soon (a read was redirected, or a node is unreachable). */
  void refresh();

  /**
   * Reads {@code key} outside the routed node connections (following redirects on a cluster), for a
   * slot whose nodes are not ready; such a value is never cached.
   */
  Mono<byte[]> get(byte[] key);

  /** {@code cluster} or {@code sentinel}. */
  String mode();

  @Override
  void close();
}
