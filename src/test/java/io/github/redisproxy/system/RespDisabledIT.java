package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RESP front end is off unless RESP_PORT names a port: by default the proxy opens its HTTP port
 * only.
 */
class RespDisabledIT {
  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  /** Without RESP_PORT the proxy opens no RESP port and logs none. */
  @Test
  void noRespPortWithoutRespPort() {
    assertEquals(List.of(), proxy.linesMatching(Pattern.compile("RESP on")));
    assertEquals(1, proxy.linesMatching(Pattern.compile("Listening for HTTP on")).size());
    // Where /proc exists (Linux): the proxy listens on its HTTP and management ports, and on no
    // RESP port.
    proxy.process().assertListensOnlyOn(proxy.port(), proxy.managementPort());
  }
}
