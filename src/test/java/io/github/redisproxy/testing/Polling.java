package io.github.redisproxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Repeats an attempt until its result is acceptable or a deadline passes: waiting on a condition,
 * not on the clock.
 */
public final class Polling {
  private static final long INTERVAL_MILLIS = 20;

  private Polling() {}

  /**
   * Calls {@code attempt} until {@code done} accepts its result, pausing briefly between attempts,
   * and returns that result; fails with {@code what} and the last result when {@code timeout}
   * passes first.
   */
  public static <T> T until(Duration timeout, String what, Supplier<T> attempt, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    RuntimeException lastError = null;
    while (true) {
      try {
        last = attempt.get();
        lastError = null;
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        String outcome =
            lastError != null ? "last attempt threw " + lastError : "last result " + last;
        return fail(
            "timed out after " + timeout + " waiting for " + what + "; " + outcome, lastError);
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
