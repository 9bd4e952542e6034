package io.github.redisproxy.config;

/**
 * The Redis-protocol front end.
 *
 * @param port the RESP port, or 0 when the front end is off
 * @param maxBulkLength the longest bulk string a client may send
 * @param maxArrayLength the most elements one command may have
 * @param maxPendingReplyBytes reply bytes that may wait for a client to read them before it is
 *     disconnected; 0: no limit
 */
public record RespConfig(
    int port, int maxBulkLength, int maxArrayLength, long maxPendingReplyBytes) {

  public boolean enabled() {
    return port != 0;
  }
}
