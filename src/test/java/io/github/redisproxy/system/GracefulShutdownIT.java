package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.redisproxy.testing.Polling;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RawHttp;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SIGTERM: stop accepting connections, finish the requests in flight, exit 0. */
class GracefulShutdownIT {
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** On SIGTERM the proxy stops accepting, finishes the requests in flight and exits 0. */
  @Test
  void sigtermFinishesRequestsInFlightAndExits0() throws Exception {
    try (ProxyProcess proxy =
        ProxyExtension.builder()
            .redis(redis)
            .env("REDIS_TIMEOUT", "10")
            .env("LOG_LEVEL", "debug")
            .start()) {
      for (int i = 1; i <= 3; i++) {
        redis.commands().set("shutdown:k" + i, "value " + i);
      }
      redis.pause(Duration.ofSeconds(3));

      List<RawHttp.Pending> inFlight =
          List.of(
              RawHttp.send(proxy.port(), "/shutdown:k1"),
              RawHttp.send(proxy.port(), "/shutdown:k2"),
              RawHttp.send(proxy.port(), "/shutdown:k3"));
      proxy.awaitLog(
          Pattern.compile("miss key=shutdown:k\\d started a load$"), 3, Duration.ofSeconds(5));

      proxy.sigterm();

      Polling.until(
          Duration.ofSeconds(5),
          "the port to refuse connections",
          () -> refusesConnections(proxy.port()),
          r -> r);
      for (RawHttp.Pending pending : inFlight) {
        assertFalse(
            pending.response().isDone(),
            () ->
                "the port must close while the requests are still in flight, but one already ended: "
                    + outcome(pending));
      }

      int n = 1;
      for (RawHttp.Pending pending : inFlight) {
        RawHttp.Response response = pending.response().get(15, TimeUnit.SECONDS);
        assertEquals(200, response.status(), "request " + n + ": " + response.statusLine());
        assertEquals("value " + n, response.bodyText());
        assertEquals(Optional.of("MISS"), response.header("X-Cache"));
        n++;
      }
      assertEquals(
          0, proxy.awaitExit(Duration.ofSeconds(15)), "exit code; output:\n" + proxy.log().tail());
      proxy.assertNoErrorsLogged();
    }
  }

  private static String outcome(RawHttp.Pending pending) {
    try {
      return pending.response().getNow(null).statusLine();
    } catch (RuntimeException e) {
      return e.getCause() != null ? e.getCause().toString() : e.toString();
    }
  }

  private static boolean refusesConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
