package io.github.redisproxy.config;

/**
 * The Redis-protocol front end.
 *
 * @param port the RESP port, or 0 when the front end is off
 * @param maxBulkLength the longest bulk string a client may send
 * @param maxArrayLength the most elements one command may have
 */
public record RespConfig(int port, int maxBulkLength, int maxArrayLength) {

  public boolean enabled() {
    return port != 0;
  }
}
