package io.github.redisproxy.loadtest;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code --seed-redis}: writes every key the run will request into a Redis, so that a fresh Redis
 * can be load-tested at once. Pipelined: a batch of {@code SET}s is written in one flush, then
 * awaited, on the caller's thread.
 */
final class RedisSeeder {
  private static final int BATCH = 10_000;
  private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(60);

  private RedisSeeder() {}

  /**
   * {@code SET prefix+n value} for every n in {@code [0, keys)}, each value {@code valueSize}
   * bytes. Blocks until Redis has confirmed every write.
   *
   * @param address {@code host:port} or a {@code redis://} URI
   * @throws IllegalStateException when Redis cannot be reached or refuses a write
   */
  static void seed(String address, String prefix, int keys, int valueSize) {
    RedisURI uri = address.contains("://") ? RedisURI.create(address) : hostAndPort(address);
    RedisClient client = RedisClient.create();
    try (StatefulRedisConnection<byte[], byte[]> connection =
        client.connect(ByteArrayCodec.INSTANCE, uri)) {
      RedisAsyncCommands<byte[], byte[]> commands = connection.async();
      byte[] value = new byte[valueSize];
      Arrays.fill(value, (byte) 'x');
      connection.setAutoFlushCommands(false);
      for (int from = 0; from < keys; from += BATCH) {
        int to = (int) Math.min((long) from + BATCH, keys);
        List<RedisFuture<String>> writes = new ArrayList<>(to - from);
        for (int n = from; n < to; n++) {
          writes.add(commands.set((prefix + n).getBytes(StandardCharsets.UTF_8), value));
        }
        connection.flushCommands();
        if (!LettuceFutures.awaitAll(
            BATCH_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS,
            writes.toArray(new RedisFuture<?>[0]))) {
          throw new IllegalStateException(
              "Redis at " + address + " did not confirm the writes within " + BATCH_TIMEOUT);
        }
      }
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot seed Redis at " + address + ": " + e.getMessage(), e);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  private static RedisURI hostAndPort(String address) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return RedisURI.create(host, Integer.parseInt(address.substring(colon + 1)));
  }
}
