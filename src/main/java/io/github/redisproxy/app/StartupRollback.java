package io.github.redisproxy.app;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a start-up has built so far, to undo in reverse if a later step fails: each part is pushed
 * as it is made, and {@link #close} releases them last first unless {@link #keep} was called. Used
 * as {@code try (StartupRollback built = new StartupRollback()) { ... built.keep(); }}.
 */
final class StartupRollback implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StartupRollback.class);

  private final Deque<Runnable> undo = new ArrayDeque<>();
  private boolean kept;

  /** Records {@code part} and how to release it; returns {@code part}. */
  <T> T push(T part, Consumer<? super T> release) {
    undo.push(() -> release.accept(part));
    return part;
  }

  /** Start-up succeeded: the parts now belong to the running server. */
  void keep() {
    kept = true;
  }

  /**
   * Releases every part, the last one first, unless kept; one failing release does not stop the
   * rest.
   */
  @Override
  public void close() {
    if (kept) {
      return;
    }
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        log.warn("Start-up failed, and releasing what it had started failed too: {}", e.toString());
      }
    }
  }
}
