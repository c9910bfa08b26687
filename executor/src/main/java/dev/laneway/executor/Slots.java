package dev.laneway.executor;

import dev.laneway.base.InFlight;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lane's two counts of items: the queue slots held ({@code max_queue_size}; an item holds one from admission until
 * it leaves the queue for an instance, or is dropped) and the items in flight (from admission until answered, the
 * {@link InFlight} gate drain waits on). Every path that answers an item without running it frees both at once.
 *
 * <p>Thread-safe, lock-free: admission reserves on submitters' threads, the queue, the tokenizer stage and the
 * instances free.
 */
final class Slots {
  private final AtomicInteger held = new AtomicInteger();
  private final InFlight inFlight;

  Slots(InFlight inFlight) {
    this.inFlight = inFlight;
  }

  /** Items holding a slot now: waiting for the tokenizer, or queued. */
  int held() {
    return held.get();
  }

  /**
   * Reserves {@code n} slots and puts {@code n} items in flight, if that keeps the slots held within {@code limit}.
   *
   * @return whether they were reserved
   */
  boolean reserve(int n, int limit) {
    int h;
    do {
      h = held.get();
      if (h + n > limit) return false;
    } while (!held.compareAndSet(h, h + n));
    inFlight.enter(n);
    return true;
  }

  /** {@code n} items left the queue for an instance: their slots are free, they are still in flight. */
  void leftQueue(int n) {
    held.addAndGet(-n);
  }

  /** {@code n} items that had left the queue were answered (computed, failed or dropped). */
  void answered(int n) {
    inFlight.exit(n);
  }

  /** {@code n} items holding slots were answered without running (refused, dropped, cancelled): frees both. */
  void release(int n) {
    held.addAndGet(-n);
    inFlight.exit(n);
  }
}
