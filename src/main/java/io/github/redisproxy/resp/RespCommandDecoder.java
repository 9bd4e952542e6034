package io.github.redisproxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes to {@link RespCommand}s in one step: a RESP array of bulk strings (what every client
 * library sends) or an inline command (what people type into {@code nc}, ended by CRLF or a bare
 * LF, as Redis accepts).
 *
 * <p>Why not Netty's Redis codec: its decoder and two aggregators build five objects per argument
 * (headers, slices, contents, a composite buffer, the array) before a command exists; this decoder
 * copies each argument out of the read buffer once, and keeps its place inside a long bulk string
 * so that a value arriving over many reads is not parsed again. Netty's codec stays the oracle: a
 * differential test feeds both the same bytes, split at random, and expects the same commands and
 * the same protocol errors.
 *
 * <p>When a client breaks the protocol, one {@link ProtocolError} follows the last good command, in
 * Redis' words, and every byte after it is dropped: the connection answers what came before, then
 * the error, and closes. Declared lengths beyond the configured bounds are refused from their
 * header, before any content is buffered.
 */
final class RespCommandDecoder extends ByteToMessageDecoder {
  /** Longest inline command line, as in Redis (64 KB); also the bound for a length line. */
  static final int MAX_INLINE_LENGTH = 64 * 1024;

  /** Stands in the command stream where the protocol was broken. */
  record ProtocolError(String message) {}

  private final long maxArrayLength;
  private final long maxBulkLength;

  // The command being read: its declared number of arguments, those read so far, and (inside a
  // bulk string whose content has not all arrived) the content's length; -1 when not there.
  private int expected = -1;
  private List<byte[]> words;
  private int bulkLength = -1;
  private boolean broken;

  RespCommandDecoder(long maxArrayLength, long maxBulkLength) {
    this.maxArrayLength = maxArrayLength;
    this.maxBulkLength = maxBulkLength;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (broken) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      while (in.isReadable()) {
        Object command = expected < 0 ? startCommand(in) : readArguments(in);
        if (command == NOT_YET) {
          return;
        }
        if (command != null) {
          out.add(command);
        }
      }
    } catch (RespProtocolException e) {
      broken = true;
      in.skipBytes(in.readableBytes());
      out.add(new ProtocolError(e.getMessage()));
    }
  }

  /** Says "wait for more bytes"; {@code null} says "an empty command, which Redis ignores". */
  private static final Object NOT_YET = new Object();

  private Object startCommand(ByteBuf in) {
    byte type = in.getByte(in.readerIndex());
    switch (type) {
      case '*' -> {
        long count = readLength(in, MAX_INLINE_LENGTH, "invalid multibulk length");
        if (count == NO_LINE) {
          return NOT_YET;
        }
        if (count > maxArrayLength || count < -1) {
          throw new RespProtocolException("invalid multibulk length");
        }
        if (count <= 0) {
          return null; // *0 and *-1: nothing to do, as in Redis
        }
        expected = (int) count;
        words = new ArrayList<>(Math.min(expected, 16)); // not what a header alone declares
        return readArguments(in);
      }
      case '+', '-', ':', '$' ->
          throw new RespProtocolException(
              "expected '*' or an inline command, got '" + (char) type + "'");
      default -> {
        return inline(in);
      }
    }
  }

  private Object readArguments(ByteBuf in) {
    while (words.size() < expected) {
      if (bulkLength < 0) {
        if (!in.isReadable()) {
          return NOT_YET;
        }
        byte type = in.getByte(in.readerIndex());
        if (type != '$') {
          throw new RespProtocolException("expected '$', got '" + printable(type) + "'");
        }
        long length = readLength(in, MAX_INLINE_LENGTH, "invalid bulk length");
        if (length == NO_LINE) {
          return NOT_YET;
        }
        if (length < 0 || length > maxBulkLength) {
          throw new RespProtocolException("invalid bulk length");
        }
        bulkLength = (int) length;
      }
      if (in.readableBytes() < bulkLength + 2) {
        return NOT_YET;
      }
      byte[] word = new byte[bulkLength];
      in.readBytes(word);
      if (in.readByte() != '\r' || in.readByte() != '\n') {
        throw new RespProtocolException("expected CRLF after a bulk string");
      }
      words.add(word);
      bulkLength = -1;
    }
    RespCommand command = RespCommand.of(words);
    expected = -1;
    words = null;
    return command;
  }

  private static final long NO_LINE = Long.MIN_VALUE;

  /**
   * Reads a {@code *N} or {@code $N} line and returns N, or {@link #NO_LINE} (reading nothing) when
   * its CRLF has not arrived yet.
   */
  private static long readLength(ByteBuf in, int maxLine, String error) {
    int start = in.readerIndex();
    int lf = in.indexOf(start, Math.min(in.writerIndex(), start + maxLine + 2), (byte) '\n');
    if (lf < 0) {
      if (in.readableBytes() > maxLine) {
        throw new RespProtocolException(error);
      }
      return NO_LINE;
    }
    if (lf - start < 2 || in.getByte(lf - 1) != '\r') {
      throw new RespProtocolException(error);
    }
    long value = parseNumber(in, start + 1, lf - 1, error);
    in.readerIndex(lf + 1);
    return value;
  }

  /**
   * A decimal integer, optionally negative, as Redis writes lengths; anything else is {@code
   * error}.
   */
  private static long parseNumber(ByteBuf in, int from, int to, String error) {
    boolean negative = from < to && in.getByte(from) == '-';
    int i = negative ? from + 1 : from;
    if (i == to || to - i > 18) {
      throw new RespProtocolException(error);
    }
    long value = 0;
    for (; i < to; i++) {
      byte digit = in.getByte(i);
      if (digit < '0' || digit > '9') {
        throw new RespProtocolException(error);
      }
      value = value * 10 + (digit - '0');
    }
    return negative ? -value : value;
  }

  /** One inline line, up to a bare LF or CRLF, split into words as Redis does. */
  private static Object inline(ByteBuf in) {
    int start = in.readerIndex();
    int lf = in.indexOf(start, in.writerIndex(), (byte) '\n');
    if (lf < 0) {
      if (in.readableBytes() > MAX_INLINE_LENGTH) {
        throw new RespProtocolException("too big inline request");
      }
      return NOT_YET;
    }
    int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    String line = in.toString(start, end - start, StandardCharsets.UTF_8);
    in.readerIndex(lf + 1);
    return RespCommand.of(InlineSplitter.split(line));
  }

  private static String printable(byte b) {
    return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
  }
}
