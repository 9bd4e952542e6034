package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The RESP front end is off unless RESP_PORT names a port: by default the proxy opens its HTTP port only. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RespDisabledIT {
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void without_RESP_PORT_the_proxy_listens_for_HTTP_only_and_logs_no_RESP_port() {
    ProxyProcess proxy = ProxyProcess.start(Map.of("REDIS_ADDRESS", redis.address()));
    try {
      proxy.awaitBackendReady();

      assertEquals(List.of(), proxy.linesMatching(Pattern.compile("Listening for RESP")));
      assertEquals(1, proxy.linesMatching(Pattern.compile("Listening for HTTP on")).size());
      // Where /proc exists (Linux): the proxy process has exactly one listening socket, the HTTP port's.
      proxy
          .listeningPorts()
          .ifPresent(listening -> assertEquals(Set.of(proxy.port()), listening, "listening ports"));
    } finally {
      proxy.closeAndAssertNoErrorsLogged();
    }
  }
}
