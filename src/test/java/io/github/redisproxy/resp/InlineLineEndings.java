package io.github.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * (The oracle of {@link NettyRespCodec}.) Lets people type commands with {@code nc}, which ends
 * lines with a bare LF: Redis accepts that for inline commands, Netty's {@code RedisDecoder}
 * insists on CRLF. A connection whose first byte is {@code *} speaks RESP (every client library)
 * and passes through untouched; any other connection is a person typing inline commands, and each
 * bare LF in it becomes CRLF before the decoder sees it, until a line starts with {@code *}: from
 * there on the connection speaks RESP, whose bulk strings may hold bare LFs that are data.
 */
final class InlineLineEndings extends ChannelInboundHandlerAdapter {
  private boolean resp;
  private boolean lastWasCr;
  private boolean atLineStart = true;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (resp || !(msg instanceof ByteBuf in) || !in.isReadable()) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (atLineStart && in.getByte(in.readerIndex()) == '*') {
      resp = true; // the usual case, a client library: hand the buffer on as it is
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf out = ctx.alloc().buffer(in.readableBytes() + 16);
    try {
      for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
        byte b = in.getByte(i);
        if (atLineStart && b == '*') {
          resp = true;
          out.writeBytes(in, i, in.writerIndex() - i);
          break;
        }
        if (b == '\n' && !lastWasCr) {
          out.writeByte('\r');
        }
        out.writeByte(b);
        lastWasCr = b == '\r';
        atLineStart = b == '\n';
      }
    } finally {
      in.release();
    }
    ctx.fireChannelRead(out);
  }
}
