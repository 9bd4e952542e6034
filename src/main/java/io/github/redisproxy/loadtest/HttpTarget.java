package io.github.redisproxy.loadtest;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * {@code GET {url}/{prefix}{n}} with Reactor Netty's {@link HttpClient}, on a pool of at most
 * {@code --connections} keep-alive connections and event loops of its own. A status other than 2xx
 * is an error of that number; a 200 answer's {@code X-Cache} header says hit or miss.
 */
final class HttpTarget implements Target {
  private final String base;
  private final String pathPrefix;
  private final LoopResources loops;
  private final EventLoopGroup group;
  private final ConnectionProvider pool;
  private final HttpClient client;

  HttpTarget(LoadTestOptions options) {
    int connections = options.connections();
    int threads = Math.min(connections, Runtime.getRuntime().availableProcessors());
    this.base = options.url().toString();
    this.pathPrefix = "/" + encodePath(options.keyPrefix());
    this.loops = LoopResources.create("loadtest", 1, threads, true);
    this.group = loops.onClient(true);
    this.pool =
        ConnectionProvider.builder("loadtest")
            .maxConnections(connections)
            // Unbounded here, bounded by the callers: at most `connections` requests at a time.
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(options.timeout())
            .build();
    this.client =
        HttpClient.create(pool)
            .runOn(loops)
            .baseUrl(base)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(options.timeout().toMillis(), 60_000));
  }

  @Override
  public Mono<Answer> get(int key) {
    return client
        .get()
        .uri(pathPrefix + key)
        .response(
            (response, body) ->
                // Reading the body to its end frees the connection for the next request; the
                // buffers are released by Reactor Netty as they pass.
                body.then(
                    Mono.just(
                        answer(
                            response.status().code(), response.responseHeaders().get("X-Cache")))))
        .single();
  }

  /**
   * A status other than 2xx is an error of kind {@code "404"}, {@code "503"}, ...; X-Cache counts
   * on 200 only.
   */
  static Answer answer(int status, String xCache) {
    if (status < 200 || status > 299) {
      return Answer.error(Integer.toString(status));
    }
    if (status == 200 && "HIT".equalsIgnoreCase(xCache)) {
      return new Answer(null, Cache.HIT);
    }
    if (status == 200 && "MISS".equalsIgnoreCase(xCache)) {
      return new Answer(null, Cache.MISS);
    }
    return Answer.VALUE;
  }

  /**
   * An event loop of its own for each worker (round robin): Reactor Netty opens a connection on the
   * loop that asks for it, so the connections spread over the loops instead of piling onto the
   * first one.
   */
  @Override
  public Scheduler workerStart() {
    return Schedulers.fromExecutor(group.next());
  }

  @Override
  public String description() {
    return base + pathPrefix + "{n}";
  }

  @Override
  public boolean answersTellHits() {
    return true;
  }

  @Override
  public void close() {
    pool.disposeLater().block(Duration.ofSeconds(5));
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
  }

  /**
   * Percent-encodes what may not stand in a URL path segment as it is; the proxy decodes it back.
   */
  static String encodePath(String text) {
    StringBuilder path = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@".indexOf(c) >= 0)) {
        path.append(c);
      } else {
        path.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return path.toString();
  }
}
