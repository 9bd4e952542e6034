package io.github.redisproxy.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.redis.AbstractStringRedisMessage;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RESP_MAX_PENDING_REPLY_BYTES for one connection, as Redis' client-output-buffer-limit: replies
 * the proxy has produced and the client has not yet taken off the socket. A client that pipelines
 * reads and stops reading the replies is disconnected once they pass the limit, rather than held in
 * memory (a pipeline runs up to 1024 commands ahead of the replies written).
 *
 * <p>A reply counts from when its command completes until its write completes, both by the same
 * {@link #size} of the reply, so the two sides never drift apart. This handler sits on the reply
 * side of Netty's Redis encoder, where the writes are still replies.
 */
final class ReplyBacklog extends ChannelOutboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ReplyBacklog.class);

  private final long limit;
  private final LongAdder closes;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile ChannelHandlerContext context;

  ReplyBacklog(long limit, LongAdder closes) {
    this.limit = limit;
    this.closes = closes;
  }

  /** A command's reply is ready: from now on it waits for the client. Any thread. */
  void produced(RedisMessage reply) {
    if (pending.addAndGet(size(reply)) > limit && closing.compareAndSet(false, true)) {
      closes.increment();
      ChannelHandlerContext ctx = context;
      log.info(
          "Disconnecting a RESP client that does not read its replies: {} over"
              + " RESP_MAX_PENDING_REPLY_BYTES={} ({})",
          pending.get(),
          limit,
          ctx == null ? "?" : ctx.channel().remoteAddress());
      if (ctx != null) {
        ctx.channel().close();
      }
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    if (!(message instanceof RedisMessage reply)) {
      ctx.write(message, promise);
      return;
    }
    long bytes = size(reply); // before the encoder releases the reply's buffers
    ChannelPromise written = promise.unvoid();
    written.addListener(done -> pending.addAndGet(-bytes));
    ctx.write(message, written);
  }

  /** About the reply's encoded length: what Redis would count in a client's output buffer. */
  static long size(RedisMessage reply) {
    if (reply instanceof FullBulkStringRedisMessage bulk) {
      return bulk.isNull() ? 5 : bulk.content().readableBytes() + 16L;
    }
    if (reply instanceof ArrayRedisMessage array) {
      long bytes = 16;
      for (RedisMessage child : array.children()) {
        bytes += size(child);
      }
      return bytes;
    }
    if (reply instanceof AbstractStringRedisMessage text) {
      return text.content().length() + 3L;
    }
    return 16;
  }
}
