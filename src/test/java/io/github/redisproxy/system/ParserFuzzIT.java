package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RawResp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random and mutated input on both ports of a running proxy, with a fixed seed: every HTTP request
 * target gets 200, 404, 400 or 414 (never a 5xx), every RESP input gets well-formed replies (or
 * none, for a frame still incomplete), and the proxy serves normally afterwards. Netty's leak
 * detector runs at {@code paranoid} in the proxy, and the extension fails the class on any ERROR or
 * LEAK line in its log.
 */
class ParserFuzzIT {
  private static final long SEED = 20261203L;
  private static final int TRIES = 300;
  private static final Set<Integer> HTTP_STATUSES = Set.of(200, 404, 400, 414);
  private static final String RESP_TYPES = "+-:$*_,#%>!=(|~";
  private static final List<String> VALID_FRAMES =
      List.of(
          "*2\r\n$3\r\nGET\r\n$9\r\nfuzz:seed\r\n",
          "*3\r\n$4\r\nMGET\r\n$9\r\nfuzz:seed\r\n$6\r\nabsent\r\n",
          "*1\r\n$4\r\nPING\r\n",
          "*2\r\n$4\r\nINFO\r\n$5\r\ncache\r\n",
          "GET fuzz:seed\r\n",
          "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).resp().build();

  @Test
  void anyRequestTargetIsAnsweredWithAClientStatusOrAValue() {
    redis.commands().set("fuzz:seed", "value");
    Random random = new Random(SEED);
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (int i = 0; i < TRIES; i++) {
      String target = randomTarget(random);
      RawHttp.Response response = RawHttp.request(proxy.port(), "GET", target);
      assertTrue(
          HTTP_STATUSES.contains(response.status()),
          "GET " + target + " answered " + response.statusLine());
      statuses.merge(response.status(), 1, Integer::sum);
    }
    assertEquals(Set.of(400, 404, 414), statuses.keySet(), "the inputs reach each answer");
    assertEquals(200, RawHttp.request(proxy.port(), "GET", "/fuzz:seed").status());
  }

  @Test
  void anyRespInputGetsWellFormedRepliesAndTheProxyServesOnAfterwards() throws IOException {
    redis.commands().set("fuzz:seed", "value");
    Random random = new Random(SEED);
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < TRIES; i++) {
      inputs.add(random.nextInt(4) == 0 ? randomBytes(random) : mutatedFrame(random));
    }
    List<String> replies = exchangeAll(inputs);
    int protocolErrors = 0;
    int values = 0;
    for (int i = 0; i < TRIES; i++) {
      byte[] input = inputs.get(i);
      String received = replies.get(i);
      assertTrue(
          received.isEmpty() || RESP_TYPES.indexOf(received.charAt(0)) >= 0,
          "input "
              + HexFormat.of().formatHex(input)
              + " got "
              + received.replace("\r\n", "\\r\\n"));
      protocolErrors += received.contains("-ERR Protocol error") ? 1 : 0;
      values += received.contains("value") ? 1 : 0;
    }
    assertTrue(
        protocolErrors > 10 && values > 0,
        "the inputs reach both: " + protocolErrors + " protocol errors, " + values + " values");
    try (RawResp resp = RawResp.connect(proxy.respPort())) {
      assertEquals(RawResp.simple("PONG"), resp.call("PING"));
      assertEquals(RawResp.bulk("value"), resp.call("GET", "fuzz:seed"));
    }
  }

  /** A request target: mostly a path of printable bytes and percent-escapes, now and then long. */
  private static String randomTarget(Random random) {
    StringBuilder target = new StringBuilder(random.nextInt(10) == 0 ? "" : "/");
    int length = random.nextInt(20) == 0 ? 9000 : random.nextInt(40);
    while (target.length() < length) {
      switch (random.nextInt(6)) {
        case 0 -> target.append('%').append(HexFormat.of().toHexDigits((byte) random.nextInt()));
        case 1 -> target.append(random.nextBoolean() ? "%" : "%e");
        case 2 -> target.append("/?#%+".charAt(random.nextInt(5)));
        default -> target.append((char) (0x21 + random.nextInt(0x7e - 0x21 + 1)));
      }
    }
    return target.toString();
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[1 + random.nextInt(64)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** A valid frame with one to three random edits: a byte changed, bytes cut, bytes inserted. */
  private static byte[] mutatedFrame(Random random) {
    byte[] frame =
        VALID_FRAMES.get(random.nextInt(VALID_FRAMES.size())).getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(frame);
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      byte[] current = out.toByteArray();
      out.reset();
      int at = random.nextInt(current.length);
      switch (random.nextInt(3)) {
        case 0 -> {
          current[at] = (byte) random.nextInt();
          out.writeBytes(current);
        }
        case 1 -> {
          out.write(current, 0, at);
          int cut = Math.min(current.length - at, 1 + random.nextInt(4));
          out.write(current, at + cut, current.length - at - cut);
        }
        default -> {
          out.write(current, 0, at);
          out.writeBytes(randomBytes(random));
          out.write(current, at, current.length - at);
        }
      }
    }
    return out.toByteArray();
  }

  /** Each input on a connection of its own, 8 at a time; the replies in the inputs' order. */
  private static List<String> exchangeAll(List<byte[]> inputs) {
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> replies = new ArrayList<>();
      for (byte[] input : inputs) {
        replies.add(clients.submit(() -> exchange(input)));
      }
      List<String> received = new ArrayList<>();
      for (Future<String> reply : replies) {
        received.add(reply.get());
      }
      return received;
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * Writes the input and reads what the proxy sends until it closes the connection or stays quiet
   * for 200 ms (an incomplete frame waits for more), then closes. Closing at once after writing
   * would lose the replies: like Redis, the proxy drops a client whose input ended.
   */
  private static String exchange(byte[] input) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.respPort())) {
      socket.setSoTimeout(200);
      socket.getOutputStream().write(input);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // quiet: it waits for the rest of a frame, or has answered everything
      } catch (IOException e) {
        // a reset after the proxy's last bytes also ends the connection
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
