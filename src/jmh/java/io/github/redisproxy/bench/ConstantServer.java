package io.github.redisproxy.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.util.Arrays;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * The ceiling of this stack for bench/run.sh: a bare Reactor Netty server that answers every
 * request with the same body and the same headers a proxy hit carries, and does nothing else. Same
 * Reactor Netty, same defaults (event loops, epoll) as the proxy.
 *
 * <p>{@code java -cp ... io.github.redisproxy.bench.ConstantServer PORT [BODY_BYTES
 * [EVENT_LOOPS]]}; runs until killed. Without EVENT_LOOPS it uses Reactor Netty's default count, as
 * the proxy does with {@code EVENT_LOOPS=auto}. With {@code -Dconstant.h2c=true} it also speaks
 * h2c, as the proxy's HTTP port does, so that bench/http2.sh can tell Reactor Netty's own HTTP/2
 * cost from the proxy's.
 */
public final class ConstantServer {
  private ConstantServer() {}

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    byte[] body = new byte[args.length > 1 ? Integer.parseInt(args[1]) : 10];
    Arrays.fill(body, (byte) 'x');
    ByteBuf shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(body));
    String length = Integer.toString(body.length);
    HttpServer base = HttpServer.create();
    if (args.length > 2) {
      base = base.runOn(LoopResources.create("constant", Integer.parseInt(args[2]), true));
    }
    if (Boolean.getBoolean("constant.h2c")) {
      base = base.protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);
    }
    DisposableServer server =
        base.host("127.0.0.1")
            .port(port)
            .handle(
                (request, response) ->
                    response
                        .header(
                            HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
                        .header(HttpHeaderNames.CONTENT_LENGTH, length)
                        .header("X-Cache", "HIT")
                        .send(Mono.just(shared.retainedDuplicate())))
            .bindNow();
    System.out.println("Listening on 127.0.0.1:" + server.port());
    server.onDispose().block();
  }
}
