package io.github.redisproxy.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.redisproxy.testing.Commands;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;

/**
 * The HTTP port speaks cleartext HTTP/2 beside HTTP/1.1, with the same routes, statuses and
 * headers: by prior knowledge (Reactor Netty's client) and by the HTTP/1.1 {@code Upgrade: h2c}
 * (the JDK's client), many streams on one connection.
 */
class Http2IT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = ProxyExtension.builder().redis(redis).build();

  /** A status, the headers and the body of one h2c exchange. */
  private record Answer(int status, String version, HttpHeaders headers, String body) {}

  private static reactor.netty.http.client.HttpClient h2c() {
    return reactor.netty.http.client.HttpClient.create()
        .protocol(HttpProtocol.H2C)
        .baseUrl("http://127.0.0.1:" + proxy.port());
  }

  private static Mono<Answer> get(
      reactor.netty.http.client.HttpClient client, String path, String ifNoneMatch) {
    return client
        .headers(
            headers -> {
              if (ifNoneMatch != null) {
                headers.set("If-None-Match", ifNoneMatch);
              }
            })
        .get()
        .uri(path)
        .responseSingle(
            (response, body) ->
                body.asString()
                    .defaultIfEmpty("")
                    .map(
                        text ->
                            new Answer(
                                response.status().code(),
                                response.version().text(),
                                response.responseHeaders(),
                                text)));
  }

  @Test
  void byPriorKnowledgeEveryAnswerIsAsOverHttp11() {
    redis.commands().set("h2:k", "value");
    reactor.netty.http.client.HttpClient client = h2c();

    Answer miss = get(client, "/h2:k", null).block(WAIT);
    Answer hit = get(client, "/h2:k", null).block(WAIT);
    Answer notModified = get(client, "/h2:k", hit.headers().get("ETag")).block(WAIT);

    assertEquals(200, miss.status());
    assertEquals("HTTP/2.0", miss.version());
    assertEquals("value", miss.body());
    assertEquals("MISS", miss.headers().get("X-Cache"));
    assertEquals("HIT", hit.headers().get("X-Cache"));
    assertTrue(hit.headers().get("Cache-Control").startsWith("max-age="));
    assertEquals(304, notModified.status());
    assertEquals("", notModified.body());
    assertEquals(404, get(client, "/h2:absent", null).block(WAIT).status());
    assertEquals(400, get(client, "/h2%zz", null).block(WAIT).status());
  }

  /** 200 requests at once, as streams of HTTP/2 connections: every one answered. */
  @Test
  void manyConcurrentStreamsAreAllAnswered() {
    redis.commands().set("h2:many", "value");
    reactor.netty.http.client.HttpClient client = h2c();

    List<Answer> answers =
        Flux.range(0, 200)
            .flatMap(i -> get(client, i % 2 == 0 ? "/h2:many" : "/h2:none-" + i, null), 200)
            .collectList()
            .block(WAIT);

    assertEquals(200, answers.size());
    assertTrue(answers.stream().allMatch(answer -> answer.version().equals("HTTP/2.0")));
    assertEquals(100, answers.stream().filter(answer -> answer.status() == 200).count());
    assertEquals(100, answers.stream().filter(answer -> answer.status() == 404).count());
  }

  /** The JDK's client asks for HTTP/2 over cleartext with {@code Upgrade: h2c}: it gets it. */
  @Test
  void anHttp11UpgradeToH2cIsAccepted() throws Exception {
    redis.commands().set("h2:upgrade", "value");
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    URI uri = URI.create("http://127.0.0.1:" + proxy.port() + "/h2:upgrade");

    HttpResponse<String> first =
        client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second =
        client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, first.statusCode());
    assertEquals("value", first.body());
    assertEquals(HttpClient.Version.HTTP_2, first.version());
    assertEquals(HttpClient.Version.HTTP_2, second.version());
    assertEquals("HIT", second.headers().firstValue("X-Cache").orElseThrow());
  }

  /** curl with {@code --http2-prior-knowledge}, as a user would type it. */
  @Test
  void curlWithPriorKnowledgeSpeaksH2c() {
    assumeTrue(Commands.onPath("curl"), "curl is not on PATH");
    redis.commands().set("h2:curl", "curled");

    var run =
        Commands.run(
            WAIT,
            List.of(
                "curl",
                "-sS",
                "--http2-prior-knowledge",
                "-w",
                " %{http_version} %{http_code}",
                "http://127.0.0.1:" + proxy.port() + "/h2:curl"));

    assertEquals(0, run.exitCode(), run.output());
    assertEquals("curled 2 200", run.output());
  }
}
