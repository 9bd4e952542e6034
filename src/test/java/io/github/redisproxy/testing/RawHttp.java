package io.github.redisproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} will not send or hides:
 * malformed and over-long request targets, the exact bytes after a HEAD response, and the client
 * port of a request (which the proxy's connection log lines name).
 *
 * <p>Every request is sent with {@code Connection: close}, so the server closes the connection
 * after its response and anything it sent beyond the response shows up as {@link
 * Response#trailingBytes()}; except on a {@link KeepAlive} connection, which sends requests one
 * after another on one socket.
 */
public final class RawHttp {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  private RawHttp() {}

  /** A parsed response. Header names are lower-cased. */
  public record Response(
      int status,
      String statusLine,
      Map<String, List<String>> headers,
      byte[] body,
      int trailingBytes) {

    public Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A request that has been written and whose response is being read in the background. */
  public record Pending(int localPort, CompletableFuture<Response> response, Socket socket) {

    /** Closes the connection: the client goes away without waiting for its response. */
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closed anyway
      }
    }
  }

  /**
   * {@code method target HTTP/1.1} with a Host and {@code Connection: close}; waits for the
   * response.
   */
  public static Response request(int port, String method, String target) {
    return exchange(port, head(method, target), method.equals("HEAD"), READ_TIMEOUT);
  }

  /**
   * Sends raw request bytes (with {@code Connection: close} expected among them) and waits for the
   * response.
   */
  public static Response exchange(int port, byte[] request, boolean isHead, Duration readTimeout) {
    try (Socket socket = connect(port)) {
      socket.setSoTimeout((int) readTimeout.toMillis());
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return read(new BufferedInputStream(socket.getInputStream()), isHead, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a GET for {@code target} and returns at once with the connection's local port and the
   * future response, read on a thread of its own.
   */
  public static Pending send(int port, String target) {
    Socket socket;
    try {
      socket = connect(port);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.getOutputStream().write(head("GET", target));
      socket.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CompletableFuture<Response> response = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (socket) {
                response.complete(
                    read(new BufferedInputStream(socket.getInputStream()), false, true));
              } catch (IOException | RuntimeException e) {
                response.completeExceptionally(e);
              }
            },
            "raw-http-" + socket.getLocalPort());
    reader.setDaemon(true);
    reader.start();
    return new Pending(socket.getLocalPort(), response, socket);
  }

  /** The bytes of a request with no body. */
  public static byte[] head(String method, String target) {
    return (method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Socket connect(int port) throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * One keep-alive connection: requests are sent one at a time (no {@code Connection: close}), each
   * response is read by its Content-Length, and the connection stays open for the next.
   */
  public static final class KeepAlive implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    public KeepAlive(int port, Duration readTimeout) {
      try {
        socket = connect(port);
        socket.setSoTimeout((int) readTimeout.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * {@code GET target}; throws an unchecked {@link java.net.SocketTimeoutException} if no
     * response comes in time.
     */
    public Response get(String target) {
      return send("GET", target, null);
    }

    /** Any method, with a body (sent with its Content-Length) or without ({@code null}). */
    public Response send(String method, String target, byte[] body) {
      try {
        String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (body != null) {
          head +=
              "Content-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n";
        }
        socket.getOutputStream().write((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
          socket.getOutputStream().write(body);
        }
        socket.getOutputStream().flush();
        return read(in, method.equals("HEAD"), false);
      } catch (IOException e) {
        throw new UncheckedIOException(
            method
                + " "
                + target
                + " on the keep-alive connection from port "
                + socket.getLocalPort(),
            e);
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
        // closing anyway
      }
    }
  }

  private static Response read(InputStream in, boolean isHead, boolean untilClosed)
      throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String header;
    while (!(header = line(in)).isEmpty()) {
      int colon = header.indexOf(':');
      headers
          .computeIfAbsent(
              header.substring(0, colon).trim().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
          .add(header.substring(colon + 1).trim());
    }
    byte[] body;
    List<String> length = headers.get("content-length");
    if (isHead || status == 204 || status == 304 || status / 100 == 1) {
      body = new byte[0];
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.get(0)));
      if (body.length < Integer.parseInt(length.get(0))) {
        throw new EOFException(
            "the body ended after " + body.length + " of " + length.get(0) + " bytes");
      }
    } else if (untilClosed) {
      body = in.readAllBytes();
    } else {
      throw new IOException("a keep-alive response without Content-Length: " + statusLine);
    }
    int trailing =
        untilClosed
            ? in.readAllBytes().length
            : 0; // with Connection: close, the server closes after it
    return new Response(status, statusLine, headers, body, trailing);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new EOFException("the connection closed in the middle of the response head: " + line);
      }
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }
}
