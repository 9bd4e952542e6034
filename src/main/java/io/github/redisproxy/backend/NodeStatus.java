package io.github.redisproxy.backend;

/**
 * One node of the backend as the proxy sees it now, for {@code /health}, {@code INFO} and the
 * metrics.
 *
 * @param address host:port
 * @param role {@code master} or {@code replica}
 * @param readFrom whether the proxy reads from it under the configured {@code READ_FROM}
 * @param up whether the proxy's connection to it is up (always false for a node it does not read)
 * @param tracking whether invalidation tracking is armed on that connection
 * @param reconnects how many times that connection was lost
 * @param stats its counters
 */
public record NodeStatus(
    String address,
    String role,
    boolean readFrom,
    boolean up,
    boolean tracking,
    long reconnects,
    NodeStats stats) {}
