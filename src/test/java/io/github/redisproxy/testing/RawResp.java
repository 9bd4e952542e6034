package io.github.redisproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Redis protocol (RESP2) over a plain socket, for what a client library will not send or hides:
 * malformed and over-long input, inline commands, many commands in one write, and the exact bytes
 * of every reply.
 *
 * <p>Replies are returned as their exact wire text (ISO-8859-1, so every byte maps to one
 * character), e.g. {@code "$5\r\nhello\r\n"}; {@link #bulk}, {@link #simple}, {@link #error},
 * {@link #integer} and {@link #NIL} build the expected text.
 */
public final class RawResp implements AutoCloseable {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  /** A nil bulk string, as GET answers for a missing key. */
  public static final String NIL = "$-1\r\n";

  private final Socket socket;
  private final InputStream in;

  private RawResp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /** Connects to the proxy's RESP port on 127.0.0.1. */
  public static RawResp connect(int port) {
    try {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.setTcpNoDelay(true);
      return new RawResp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
    }
  }

  /** A command as a client library sends it: an array of bulk strings. */
  public static byte[] command(String... words) {
    StringBuilder text = new StringBuilder("*").append(words.length).append("\r\n");
    for (String word : words) {
      byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
      text.append('$')
          .append(bytes.length)
          .append("\r\n")
          .append(new String(bytes, StandardCharsets.ISO_8859_1));
      text.append("\r\n");
    }
    return text.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The wire text of a bulk-string reply holding {@code value} (UTF-8). */
  public static String bulk(String value) {
    String bytes = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    return "$" + bytes.length() + "\r\n" + bytes + "\r\n";
  }

  /** The wire text of a simple-string reply, e.g. {@code +PONG}. */
  public static String simple(String text) {
    return "+" + text + "\r\n";
  }

  /** The wire text of an error reply; {@code text} starts with the error code. */
  public static String error(String text) {
    return "-" + text + "\r\n";
  }

  /** The wire text of an integer reply. */
  public static String integer(long value) {
    return ":" + value + "\r\n";
  }

  /** Writes these bytes in one {@code write} call and flushes. */
  public RawResp write(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes this text (ISO-8859-1) in one {@code write} call, e.g. an inline command {@code
   * "PING\r\n"}.
   */
  public RawResp write(String text) {
    return write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads one complete reply (an array with all its elements) and returns its wire text. */
  public String readReply() {
    try {
      StringBuilder reply = new StringBuilder();
      readReply(reply);
      return reply.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading a reply from the connection from port " + socket.getLocalPort(), e);
    }
  }

  /** Sends one command and reads its reply. */
  public String call(String... words) {
    return write(command(words)).readReply();
  }

  /**
   * Reads everything the server sends until it closes the connection, and returns it; fails (with
   * what arrived) if the server has not closed it within the read timeout.
   */
  public String readUntilClosed() {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        received.write(buffer, 0, n);
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the server did not close the connection within "
              + READ_TIMEOUT
              + "; it sent: "
              + received.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n"),
          e);
    } catch (IOException e) {
      // A reset after the server's last bytes also ends the connection; what arrived before it is
      // the answer.
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Bytes that have arrived and not been read yet (0 if none arrived, without waiting). */
  public int available() {
    try {
      return in.available();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closed anyway
    }
  }

  private void readReply(StringBuilder reply) throws IOException {
    String line = line();
    reply.append(line).append("\r\n");
    switch (line.charAt(0)) {
      case '+', '-', ':' -> {}
      case '$' -> {
        int length = Integer.parseInt(line.substring(1));
        if (length >= 0) {
          byte[] content = in.readNBytes(length + 2);
          if (content.length < length + 2) {
            throw new EOFException("the connection closed inside a bulk string: " + reply);
          }
          reply.append(new String(content, StandardCharsets.ISO_8859_1));
        }
      }
      case '*' -> {
        int elements = Integer.parseInt(line.substring(1));
        for (int i = 0; i < elements; i++) {
          readReply(reply);
        }
      }
      default -> throw new IOException("not a RESP2 reply: " + line);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            "the connection closed before a complete reply; got: "
                + line.toString(StandardCharsets.ISO_8859_1));
      }
      if (b == '\n' && previous == '\r') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
      previous = b;
    }
  }
}
