package dev.laneway.executor;

import java.util.Arrays;

/**
 * When each latency class last ran on a lane's instances, and how many instances run batch-class work now: what the
 * rules between classes decide by. Aging's minimum share ({@link Batcher.QueueView#lastDispatchNanos}), yielding
 * batches ({@link BatchPolicy#yieldingBatchTokens}) and instances kept free for urgent work
 * ({@link BatchPolicy#urgentReservedInstances}) all look at "did more urgent work run within the last second".
 *
 * <p>Not thread-safe: used under the {@link LaneQueue}'s lock, by the instance threads (each knows, through a
 * thread-local, whether the batch it comes back from was of the batch class).
 */
final class ClassActivity {
  /** How recently more urgent work must have run to count as active. */
  static final long URGENT_WINDOW_NANOS = 1_000_000_000L;

  private final long[] lastDispatch = new long[Priority.values().length];
  private int batchClassRunning;
  private final ThreadLocal<Boolean> ranBatchClass = ThreadLocal.withInitial(() -> false);
  /** Instances computing long texts now ({@link BatchPolicy#longTextTokens}). */
  private int longRunning;
  private final ThreadLocal<Boolean> ranLong = ThreadLocal.withInitial(() -> false);

  ClassActivity() {
    Arrays.fill(lastDispatch, Long.MIN_VALUE);
  }

  /** The calling instance is back for more work: the batch it ran is done. */
  void instanceReturned() {
    if (ranBatchClass.get()) {
      ranBatchClass.set(false);
      batchClassRunning--;
    }
    if (ranLong.get()) {
      ranLong.set(false);
      longRunning--;
    }
  }

  /**
   * The calling instance takes a batch of class {@code p} now, of long texts when {@code longTexts}; {@code detached}:
   * it hands the batch to its low-priority thread and comes back at once, so the batch counts as running until
   * {@link #detachedEnded}, not until the instance returns.
   */
  void dispatched(Priority p, boolean longTexts, long now, boolean detached) {
    lastDispatch[p.ordinal()] = now;
    if (longTexts) {
      if (!detached) ranLong.set(true);
      longRunning++;
    }
    if (p == Priority.lowest()) {
      if (!detached) ranBatchClass.set(true);
      batchClassRunning++;
    }
  }

  /** A detached batch of the batch class ({@link #dispatched}) is done. */
  void detachedEnded(boolean longTexts) {
    batchClassRunning--;
    if (longTexts) longRunning--;
  }

  /** How many instances compute batch-class work now (detached batches included). */
  int batchClassRunning() {
    return batchClassRunning;
  }

  /**
   * Whether another instance may start on long texts: fewer than all of the lane's {@code instances} but one compute
   * them (one may on a lane of one), so short texts always keep an instance.
   */
  boolean longShareFree(int instances) {
    return longRunning < Math.max(1, instances - 1);
  }

  /** When a batch of class {@code p} was last dispatched; {@link Long#MIN_VALUE}: never. */
  long lastDispatchNanos(Priority p) {
    return lastDispatch[p.ordinal()];
  }

  /** Whether work of a class more urgent than {@code p} was dispatched within {@link #URGENT_WINDOW_NANOS}. */
  boolean moreUrgentActive(Priority p, long now) {
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) >= 0) return false;
      long last = lastDispatch[q.ordinal()];
      if (last != Long.MIN_VALUE && now - last < URGENT_WINDOW_NANOS) return true;
    }
    return false;
  }

  /**
   * How long the calling instance should leave work of class {@code p} alone (0: take it): while more urgent work ran
   * within the last second, {@code reserved} of the {@code instances} stay free for it, so a standard or interactive
   * request finds one instead of waiting for a running batch (execution is not preemptible). The hold lasts until the
   * urgent traffic has been quiet for the window (or the next signal). At least one instance always takes batch work.
   */
  long holdForUrgent(Priority p, int instances, int reserved, long now) {
    if (reserved == 0 || p != Priority.lowest() || !moreUrgentActive(p, now)) return 0;
    if (batchClassRunning < Math.max(1, instances - reserved)) return 0;
    long lastUrgent = Long.MIN_VALUE;
    for (Priority q : Priority.values()) {
      if (q != p) lastUrgent = Math.max(lastUrgent, lastDispatch[q.ordinal()]);
    }
    return Math.max(1, lastUrgent + URGENT_WINDOW_NANOS - now);
  }
}
