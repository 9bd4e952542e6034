package io.github.redisproxy.resp;

import io.github.redisproxy.metrics.RequestRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;

/**
 * One RESP connection: runs each decoded command and writes the replies in command order, as Redis
 * does, with one buffer and one flush per read.
 *
 * <p>A command whose reply is ready at once (a GET of a key the cache holds, PING, AUTH: the {@link
 * RespCommands} answer is then a scalar {@code Mono.just}) is answered right here on the event
 * loop, with no subscription: that is most commands of a hot-key workload. Only a command that has
 * to wait (a miss, a load to join, a full concurrency gate) is subscribed to, and its reply holds
 * back the replies of the commands after it until it arrives, so a pipeline's misses load in
 * parallel while its replies keep their order.
 *
 * <p>Replies are appended to one buffer while the read batch lasts and written with one flush when
 * it ends ({@code channelReadComplete}); replies that arrive later, from a load, are flushed as
 * they free the head of the line. Every field is touched on the connection's event loop only.
 */
final class RespConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RespConnection.class);

  /** Commands of one connection waiting for a reply; beyond that the connection is not read. */
  static final int MAX_PIPELINED = 1024;

  /**
   * A read's replies are written to the channel, unflushed, whenever this many bytes have built up,
   * so that the reply limit sees them and a long pipeline of large values is not built in memory.
   */
  private static final int BATCH_WRITE_BYTES = 64 * 1024;

  private final RespCommands commands;
  private final RequestRecorder requests;
  private final AtomicInteger inFlight;
  private final ReplyBacklog backlog; // null when RESP_MAX_PENDING_REPLY_BYTES is 0
  private final RespSession session = new RespSession();

  /** Commands whose replies wait, oldest first; the head's reply is the next to write. */
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();

  private ChannelHandlerContext ctx;
  private ByteBuf batch; // replies not yet written to the channel
  private boolean reading; // inside a read batch: its end flushes
  private boolean closing; // QUIT or a protocol error seen: later commands are not run
  private boolean closeAfterWrite;
  private boolean closeStarted; // the last write carries a listener that closes the channel
  private boolean closed;
  private long held; // bytes of replies that are ready but wait behind an earlier one

  /** A command that could not be answered at once. */
  private final class Pending {
    RedisMessage reply;
    Disposable subscription;
    long bytes;
    boolean inFlight; // counted in the front end's in-flight gauge
    boolean closeAfter; // QUIT or a protocol error: the connection closes once this is written

    /** Leaves the in-flight count once, whether answered or abandoned. */
    void settled() {
      if (inFlight) {
        inFlight = false;
        RespConnection.this.inFlight.decrementAndGet();
      }
    }

    /** The connection closed, or QUIT came before this reply: it is never written. */
    void abandon() {
      settled();
      if (subscription != null) {
        subscription.dispose();
      }
      ReferenceCountUtil.release(reply);
    }
  }

  RespConnection(
      RespCommands commands,
      RequestRecorder requests,
      AtomicInteger inFlight,
      ReplyBacklog backlog) {
    this.commands = commands;
    this.requests = requests;
    this.inFlight = inFlight;
    this.backlog = backlog;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Reactor Netty leaves a new connection unread until its inbound is subscribed to; here nothing
   * subscribes (this handler answers), so reading starts now.
   */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.fireChannelActive();
    ctx.channel().config().setAutoRead(true);
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    reading = true;
    if (closing) {
      return; // after QUIT or a protocol error, as in Redis: nothing else is run
    }
    if (message instanceof RespCommandDecoder.ProtocolError error) {
      closing = true;
      ctx.channel().config().setAutoRead(false);
      answer(RespReplies.error("ERR Protocol error: " + error.message()), true);
      return;
    }
    run((RespCommand) message);
  }

  private void run(RespCommand command) {
    long start = System.nanoTime();
    String meter = commands.meterName(command);
    Mono<RedisMessage> reply;
    try {
      reply = commands.execute(command, session);
    } catch (RuntimeException e) {
      reply = Mono.just(internalError(e));
    }
    if (reply instanceof Fuseable.ScalarCallable<?> ready) {
      RedisMessage now = callNow(ready);
      record(meter, now, start);
      boolean quit = now == RespCommands.QUIT_OK;
      if (quit) {
        closing = true;
        ctx.channel().config().setAutoRead(false); // what follows QUIT is never read
      }
      answer(now, quit);
      return;
    }
    Pending pending = new Pending();
    waiting.add(pending);
    pending.inFlight = true;
    inFlight.incrementAndGet();
    pauseIfBehind();
    pending.subscription =
        reply
            .onErrorResume(error -> Mono.just(internalError(error)))
            .switchIfEmpty(
                Mono.fromSupplier(() -> internalError(new IllegalStateException("no reply"))))
            .subscribe(
                loaded -> {
                  record(meter, loaded, start);
                  if (ctx.executor().inEventLoop()) {
                    arrived(pending, loaded);
                    return;
                  }
                  try {
                    ctx.executor().execute(() -> arrived(pending, loaded));
                  } catch (RejectedExecutionException shuttingDown) {
                    ReferenceCountUtil.release(loaded); // the channel is gone with its loop
                  }
                });
  }

  private static RedisMessage callNow(Fuseable.ScalarCallable<?> ready) {
    try {
      Object value = ready.call();
      return value == null
          ? internalError(new IllegalStateException("no reply"))
          : (RedisMessage) value;
    } catch (Exception e) {
      return internalError(e);
    }
  }

  /** A reply known now: written at once if nothing waits before it, else queued behind. */
  private void answer(RedisMessage reply, boolean thenClose) {
    if (waiting.isEmpty()) {
      write(reply);
      closeAfterWrite |= thenClose;
      return;
    }
    Pending ready = new Pending();
    waiting.add(ready);
    ready.reply = reply;
    ready.closeAfter = thenClose;
    hold(ready);
    pauseIfBehind();
  }

  /**
   * Stops reading while too many commands wait for an earlier reply, or while the client does not
   * take its replies off the socket (the channel is not writable); {@link #resumeIfCaughtUp} reads
   * again.
   */
  private void pauseIfBehind() {
    if (waiting.size() >= MAX_PIPELINED || !ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  private void resumeIfCaughtUp() {
    if (!closing
        && waiting.size() < MAX_PIPELINED / 2
        && ctx.channel().isWritable()
        && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    resumeIfCaughtUp();
    ctx.fireChannelWritabilityChanged();
  }

  /** A loaded reply, on the event loop. */
  private void arrived(Pending pending, RedisMessage reply) {
    pending.settled();
    if (closed) {
      ReferenceCountUtil.release(reply);
      return;
    }
    pending.reply = reply;
    hold(pending);
    drain();
    if (!reading) {
      flush();
    }
    resumeIfCaughtUp();
  }

  private void hold(Pending pending) {
    pending.bytes = ReplyBacklog.size(pending.reply);
    held += pending.bytes;
    checkBacklog();
  }

  /** Writes the replies at the head of the line that are ready. */
  private void drain() {
    while (!waiting.isEmpty() && waiting.peek().reply != null) {
      Pending next = waiting.poll();
      held -= next.bytes;
      write(next.reply);
      if (next.closeAfter) {
        closeAfterWrite = true;
        waiting.forEach(Pending::abandon);
        waiting.clear();
      }
    }
  }

  private void write(RedisMessage reply) {
    if (closed || closeStarted) {
      ReferenceCountUtil.release(reply);
      return;
    }
    if (batch == null) {
      batch = ctx.alloc().ioBuffer();
    }
    int mark = batch.writerIndex();
    try {
      RespReplyEncoder.encode(reply, batch);
    } catch (RuntimeException e) {
      // A reply the encoder cannot write is a bug; half a reply must not reach the client.
      batch.writerIndex(mark);
      log.error("Could not encode a RESP reply; closing the connection", e);
      closeAfterWrite = true;
    } finally {
      ReferenceCountUtil.release(reply);
    }
    if (batch.readableBytes() >= BATCH_WRITE_BYTES) {
      ctx.write(batch, ctx.voidPromise());
      batch = null;
      checkBacklog();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    flush();
  }

  private void flush() {
    if (closeStarted) {
      return;
    }
    ByteBuf replies = batch;
    batch = null;
    if (closeAfterWrite) {
      closeStarted = true; // once: the replies already written must reach the client first
      ctx.writeAndFlush(replies == null ? Unpooled.EMPTY_BUFFER : replies)
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (replies != null) {
      ctx.write(replies, ctx.voidPromise());
    }
    ctx.flush();
    checkBacklog();
    pauseIfBehind();
  }

  private void checkBacklog() {
    if (backlog != null) {
      backlog.check(ctx.channel(), held);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    waiting.forEach(Pending::abandon);
    waiting.clear();
    if (batch != null) {
      batch.release();
      batch = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset by the client, or a TLS failure counted by its handler: nothing to tell anyone.
    log.debug("RESP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private void record(String meter, RedisMessage reply, long start) {
    requests.record(meter, reply instanceof ErrorRedisMessage ? "error" : "ok", start);
  }

  /** A failure no command expects (a bug): answered, logged, and the connection carries on. */
  private static RedisMessage internalError(Throwable error) {
    log.error("Unexpected failure while serving a RESP command", error);
    return RespReplies.error("ERR internal error: " + error);
  }
}
