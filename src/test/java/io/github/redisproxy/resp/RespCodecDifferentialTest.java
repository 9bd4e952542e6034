package io.github.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The RESP port's own decoder and encoder against Netty's Redis codec, the oracle they replaced for
 * speed (see {@link NettyRespCodec}): the same bytes, split into reads at random places, give the
 * same commands, and a protocol error where Netty's gives one; the same replies give the same
 * bytes. Seeded, so that a failure repeats.
 */
class RespCodecDifferentialTest {
  private static final int MAX_ARRAY = 8;
  private static final int MAX_BULK = 64;
  private static final String[] NAMES = {"GET", "get", "MGET", "Ping", "ECHO", "AUTH", "x"};

  @Test
  void sameCommandsAndErrorsAsNettysDecoderForValidStreams() {
    Random random = new Random(14);
    for (int i = 0; i < 1500; i++) {
      byte[] stream = stream(random);
      assertSameAsOracle(stream, split(stream, random), "valid stream " + i);
    }
  }

  @Test
  void sameCommandsAndErrorsAsNettysDecoderForDamagedStreams() {
    Random random = new Random(15);
    for (int i = 0; i < 3000; i++) {
      byte[] stream = damage(stream(random), random);
      assertSameAsOracle(stream, split(stream, random), "damaged stream " + i);
    }
  }

  @Test
  void lengthsBeyondTheBoundsAreErrorsInBoth() {
    for (String stream :
        List.of(
            "*9\r\n",
            "*1\r\n$65\r\n",
            "*2\r\n$3\r\nGET\r\n$" + (MAX_BULK + 1) + "\r\n" + "k".repeat(MAX_BULK + 1) + "\r\n",
            "*-2\r\n",
            "*1\r\n$-1\r\n")) {
      byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
      assertSameAsOracle(bytes, List.of(bytes), stream);
      assertThat(decode(List.of(bytes)).broken()).as(stream).isTrue();
    }
  }

  @Test
  void sameBytesAsNettysEncoder() {
    Random random = new Random(16);
    for (int i = 0; i < 2000; i++) {
      RedisMessage reply = reply(random, 0);
      ByteBuf ours = Unpooled.buffer();
      RespReplyEncoder.encode(reply, ours);
      assertThat(ByteBufUtil.getBytes(ours))
          .as("reply %d: %s", i, reply)
          .isEqualTo(NettyRespCodec.encode(reply));
    }
  }

  /**
   * Where this decoder and Netty's may part: a broken frame is reported when its first wrong byte
   * arrives, Netty's sometimes only when the whole frame has (e.g. an integer inside an array). So
   * when the stream ends inside such a frame, this decoder has the error and Netty's not yet; the
   * commands before it are the same either way.
   */
  private static void assertSameAsOracle(byte[] stream, List<byte[]> reads, String description) {
    NettyRespCodec.Decoded expected = NettyRespCodec.decode(reads, MAX_ARRAY, MAX_BULK);
    NettyRespCodec.Decoded actual = decode(reads);
    String context =
        description
            + ": "
            + printable(stream)
            + " in reads of "
            + reads.stream().map(read -> read.length).toList();
    assertThat(words(actual.commands())).as(context).isEqualTo(words(expected.commands()));
    if (expected.broken()) {
      assertThat(actual.broken()).as(context).isTrue();
    }
  }

  private static NettyRespCodec.Decoded decode(List<byte[]> reads) {
    EmbeddedChannel channel = new EmbeddedChannel(new RespCommandDecoder(MAX_ARRAY, MAX_BULK));
    List<RespCommand> commands = new ArrayList<>();
    boolean broken = false;
    try {
      for (byte[] read : reads) {
        channel.writeInbound(Unpooled.copiedBuffer(read));
        for (Object message; (message = channel.readInbound()) != null; ) {
          if (message instanceof RespCommandDecoder.ProtocolError) {
            broken = true;
          } else if (!broken) {
            commands.add((RespCommand) message);
          } else {
            throw new AssertionError("a command after a protocol error: " + message);
          }
        }
      }
      return new NettyRespCodec.Decoded(commands, broken);
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  private static List<String> words(List<RespCommand> commands) {
    return commands.stream()
        .map(
            command ->
                command.name()
                    + command.args().stream()
                        .map(Arrays::toString)
                        .collect(Collectors.joining(",", "(", ")")))
        .toList();
  }

  /**
   * Commands as clients send them: arrays of binary bulk strings (CR and LF included), empty and
   * null arrays, and, at the start of a connection only, inline commands ended by CRLF or a bare LF
   * (Netty's setup took bare LFs only until the first array; Redis, and this decoder, always).
   */
  private static byte[] stream(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean arrays = false;
    int commands = 1 + random.nextInt(6);
    for (int c = 0; c < commands; c++) {
      int kind = random.nextInt(10);
      if (kind < 2 && !arrays) {
        out.writeBytes(inline(random));
      } else if (kind == 2) {
        out.writeBytes(
            (random.nextBoolean() ? "*0\r\n" : "*-1\r\n").getBytes(StandardCharsets.US_ASCII));
        arrays = true;
      } else {
        out.writeBytes(array(random));
        arrays = true;
      }
    }
    return out.toByteArray();
  }

  private static byte[] array(Random random) {
    int count = 1 + random.nextInt(MAX_ARRAY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("*" + count + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < count; i++) {
      byte[] word =
          i == 0 && random.nextInt(4) > 0
              ? NAMES[random.nextInt(NAMES.length)].getBytes(StandardCharsets.US_ASCII)
              : bytes(random, random.nextInt(MAX_BULK + 1));
      out.writeBytes(("$" + word.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(word);
      out.writeBytes(new byte[] {'\r', '\n'});
    }
    return out.toByteArray();
  }

  private static byte[] inline(Random random) {
    String[] pieces = {"GET", "ping", "key", "\"a b\"", "'c'", "\"\\x41\\n\"", " ", "  ", "é"};
    StringBuilder line = new StringBuilder();
    int words = random.nextInt(4);
    for (int i = 0; i < words; i++) {
      line.append(pieces[random.nextInt(pieces.length)]).append(' ');
    }
    line.append(random.nextBoolean() ? "\r\n" : "\n");
    return line.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Random random, int length) {
    byte[] bytes = new byte[length];
    byte[] alphabet = {'a', 'b', '\r', '\n', '*', '$', 0, (byte) 0xff, ' ', '"'};
    for (int i = 0; i < length; i++) {
      bytes[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return bytes;
  }

  /**
   * One to three edits: a byte replaced, dropped, or inserted; never one that leaves a bare LF (see
   * {@link #stream}).
   */
  private static byte[] damage(byte[] stream, Random random) {
    byte[] alphabet = {'*', '$', ':', '+', '-', '\r', '0', '1', '9', 'x', ' '};
    List<Byte> bytes = new ArrayList<>();
    for (byte b : stream) {
      bytes.add(b);
    }
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits && !bytes.isEmpty(); e++) {
      int at = random.nextInt(bytes.size());
      byte b = alphabet[random.nextInt(alphabet.length)];
      if (bytes.get(at) == '\r' || bytes.get(at) == '\n') {
        continue; // replacing or removing a CR, or inserting before an LF, leaves a bare LF
      }
      switch (random.nextInt(3)) {
        case 0 -> bytes.set(at, b);
        case 1 -> bytes.remove(at);
        default -> bytes.add(at, b);
      }
    }
    byte[] damaged = new byte[bytes.size()];
    for (int i = 0; i < damaged.length; i++) {
      damaged[i] = bytes.get(i);
    }
    return damaged;
  }

  /** The stream cut into one to five reads at random places (empty reads included). */
  private static List<byte[]> split(byte[] stream, Random random) {
    int cuts = random.nextInt(5);
    int[] at = new int[cuts + 2];
    at[cuts + 1] = stream.length;
    for (int i = 1; i <= cuts; i++) {
      at[i] = random.nextInt(stream.length + 1);
    }
    Arrays.sort(at);
    List<byte[]> reads = new ArrayList<>();
    for (int i = 0; i + 1 < at.length; i++) {
      reads.add(Arrays.copyOfRange(stream, at[i], at[i + 1]));
    }
    return reads;
  }

  private static RedisMessage reply(Random random, int depth) {
    return switch (random.nextInt(depth < 2 ? 7 : 6)) {
      case 0 -> new SimpleStringRedisMessage(random.nextBoolean() ? "OK" : "PONG é");
      case 1 -> new ErrorRedisMessage("ERR something " + random.nextInt(100));
      case 2 -> new IntegerRedisMessage(random.nextLong() >> random.nextInt(64));
      case 3 -> FullBulkStringRedisMessage.NULL_INSTANCE;
      case 4 -> FullBulkStringRedisMessage.EMPTY_INSTANCE;
      case 5 ->
          new FullBulkStringRedisMessage(
              Unpooled.wrappedBuffer(bytes(random, 1 + random.nextInt(300))));
      default -> {
        List<RedisMessage> children = new ArrayList<>();
        int count = random.nextInt(5);
        for (int i = 0; i < count; i++) {
          children.add(reply(random, depth + 1));
        }
        yield random.nextInt(8) == 0
            ? ArrayRedisMessage.NULL_INSTANCE
            : new ArrayRedisMessage(children);
      }
    };
  }

  private static String printable(byte[] bytes) {
    StringBuilder text = new StringBuilder();
    for (byte b : bytes) {
      text.append(
          b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
    }
    return text.toString();
  }
}
