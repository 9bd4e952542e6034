package io.github.redisproxy.resp;

/**
 * The client broke the protocol; it is answered {@code -ERR Protocol error: <message>} and
 * disconnected.
 */
final class RespProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RespProtocolException(String message) {
    super(message, null, false, false);
  }
}
