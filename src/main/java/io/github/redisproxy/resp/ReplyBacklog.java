package io.github.redisproxy.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.redis.AbstractStringRedisMessage;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RESP_MAX_PENDING_REPLY_BYTES, as Redis' client-output-buffer-limit: replies the proxy has
 * produced and the client has not yet taken off the socket. A client that pipelines reads and stops
 * reading the replies is disconnected once they pass the limit, rather than held in memory (a
 * pipeline runs up to {@value RespConnection#MAX_PIPELINED} commands ahead of the replies written).
 *
 * <p>What counts: the bytes in the channel's outbound buffer (written, not yet on the socket, as
 * Netty counts them), plus the replies that are ready but wait behind an earlier command still
 * loading. One instance serves every connection of the port.
 */
final class ReplyBacklog {
  private static final Logger log = LoggerFactory.getLogger(ReplyBacklog.class);

  private final long limit;
  private final LongAdder closes;

  ReplyBacklog(long limit, LongAdder closes) {
    this.limit = limit;
    this.closes = closes;
  }

  /**
   * Closes {@code channel} if its pending replies, with {@code held} bytes of replies waiting in
   * line, are over the limit. On the channel's event loop.
   */
  void check(Channel channel, long held) {
    ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
    long pending = held + (outbound == null ? 0 : outbound.totalPendingWriteBytes());
    if (pending <= limit || !channel.isActive()) {
      return;
    }
    closes.increment();
    log.info(
        "Disconnecting a RESP client that does not read its replies: {} over"
            + " RESP_MAX_PENDING_REPLY_BYTES={} ({})",
        pending,
        limit,
        channel.remoteAddress());
    channel.close();
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
