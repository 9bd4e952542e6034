package io.github.redisproxy.backend;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The reads that one event loop asks for during one turn go to Redis as one write.
 *
 * <p>Why: under load an event loop reads many requests in one turn (one per ready connection), and
 * each miss used to be its own Lettuce write: a task handed to Lettuce's I/O thread, a system call
 * to Redis, and a read on Redis' side for every miss. Here a miss's commands join a batch kept per
 * event-loop thread, and a task queued on that loop, which runs once the loop has handled the
 * turn's reads, hands the whole batch to Lettuce with one {@code dispatch}, so one flush. The
 * commands of one miss stay adjacent and in order, so replies (and the invalidations read between
 * them) are seen exactly as before. A caller that is not on an event loop writes at once.
 *
 * <p>Netty's {@link ThreadExecutorMap} says which event loop (if any) the calling thread runs; it
 * is public, though in Netty's internal package, and is what Netty's own executors set.
 */
final class TurnBatchedWrites {
  /**
   * One batch per event-loop thread, whichever backend (cluster node) it writes to: a batch for
   * another connection is written first (see {@link #dispatch}), and a static thread-local does not
   * use up one of Netty's thread-local indexes for every node ever connected.
   */
  private static final FastThreadLocal<Batch> batches =
      new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
          return new Batch();
        }
      };

  /** Writes {@code commands} to {@code connection} now or at the end of this event-loop turn. */
  void dispatch(
      StatefulRedisConnection<byte[], byte[]> connection,
      List<? extends RedisCommand<byte[], byte[], ?>> commands) {
    EventExecutor loop = ThreadExecutorMap.currentExecutor();
    if (loop == null || !loop.inEventLoop()) {
      connection.dispatch(commands);
      return;
    }
    Batch batch = batches.get();
    if (batch.connection != connection) {
      batch.flush(); // written in order: what was batched for the previous connection goes first
      batch.connection = connection;
    }
    batch.commands.addAll(commands);
    if (!batch.scheduled) {
      batch.scheduled = true;
      try {
        loop.execute(batch::flush);
      } catch (RejectedExecutionException shuttingDown) {
        batch.flush(); // the loop takes no more tasks: written now, so that no read is stranded
      }
    }
  }

  /** One event loop's commands waiting for the end of its turn; touched by that loop only. */
  private static final class Batch {
    StatefulRedisConnection<byte[], byte[]> connection;
    final List<RedisCommand<byte[], byte[], ?>> commands = new ArrayList<>();
    boolean scheduled;

    void flush() {
      scheduled = false;
      if (commands.isEmpty()) {
        return;
      }
      List<RedisCommand<byte[], byte[], ?>> written = new ArrayList<>(commands);
      commands.clear();
      try {
        connection.dispatch(written);
      } catch (RuntimeException e) {
        // As a write at once would have failed: every caller of the batch hears of it.
        written.forEach(command -> command.completeExceptionally(e));
      }
    }
  }
}
