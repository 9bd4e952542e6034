package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.redisproxy.testing.ProxyClient;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.ProxyProcess;
import io.github.redisproxy.testing.RedisServerExtension;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The build ships an AppCDS archive next to the jar ({@code target/redis-proxy.jsa}, made by {@code
 * cds-training}), and the README's run command uses it. {@code -Xshare:on} turns an archive the JVM
 * cannot use (made for another jar or another JVM) from a silent slow start into a failure to
 * start, so this test fails if the archive does not fit the jar it was built with.
 */
class CdsArchiveIT {
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  /** The proxy starts with the archive the build made and serves a miss then a hit. */
  @Test
  void proxyStartsWithTheBuiltArchive() {
    Path archive = Path.of(System.getProperty("redisproxy.jar")).resolveSibling("redis-proxy.jsa");
    assertTrue(Files.isRegularFile(archive), archive + " was not built");
    redis.commands().set("cds:k", "from an archived start");

    try (ProxyProcess proxy =
        ProxyExtension.builder()
            .redis(redis)
            .jvmOptions("-Xshare:on", "-XX:SharedArchiveFile=" + archive.toAbsolutePath())
            .start()) {
      ProxyClient http = new ProxyClient(proxy);
      HttpResponse<byte[]> miss = http.get("/cds:k");
      assertEquals(200, miss.statusCode());
      assertEquals("from an archived start", new String(miss.body(), StandardCharsets.UTF_8));
      assertEquals(Optional.of("MISS"), miss.headers().firstValue("X-Cache"));
      assertEquals(Optional.of("HIT"), http.get("/cds:k").headers().firstValue("X-Cache"));
      proxy.assertNoErrorsLogged();
    }
  }
}
