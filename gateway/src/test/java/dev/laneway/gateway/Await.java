package dev.laneway.gateway;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting in tests on a condition the test can see (a count, a state, a counter), polled every few milliseconds up
 * to a deadline, and failing with what it waited for: never a fixed sleep to let something happen.
 *
 * <pre>{@code
 * Await.until(() -> g.inFlight() == 8, Duration.ofSeconds(20), "8 requests accepted");
 * }</pre>
 */
final class Await {
  private Await() {}

  /** Returns once {@code condition} holds; throws an {@link AssertionError} naming {@code what} after {@code max}. */
  static void until(BooleanSupplier condition, Duration max, String what) {
    long end = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) throw new AssertionError("timed out after " + max + " waiting until " + what);
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }
}
