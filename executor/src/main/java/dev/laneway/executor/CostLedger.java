package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the work a lane holds is expected to cost, and the estimates built from it: a {@link CostModel} per model
 * variant and one for the lane (every model together), the expected compute of the items queued per class and of the
 * batches running now. Routing's expected completion, the executor's deadline refusal and {@code QueueFull}'s
 * retry-after read it.
 *
 * <p>Thread-safe without locks: the queue adds and removes queued cost as it queues and takes items (under its own
 * lock, so the per-class sums stay exact), instance threads record batches and running cost, any thread reads the
 * estimates (a reader may see two neighbouring states, which an estimate tolerates).
 */
final class CostLedger {
  private final Map<ModelKey, CostModel> byModel;
  /** Every model together: per-item and per-batch costs for estimates that do not know the model. */
  private final CostModel lane = new CostModel();
  /** Per class: expected compute of the items queued (nanos, from the model's cost at queueing). */
  private final AtomicLongArray queued = new AtomicLongArray(Priority.values().length);
  /** Expected compute of the batches running now on instance threads (nanos). */
  private final AtomicLong running = new AtomicLong();
  /**
   * Expected compute of the batch-class batches running detached on instances' low-priority threads (nanos): they
   * hold back only the batch class (an instance starts no second one until its first ends), while the instance itself
   * is free for more urgent work.
   */
  private final AtomicLong detachedRunning = new AtomicLong();
  private final int instances;

  CostLedger(Set<ModelKey> models, int instances) {
    Map<ModelKey, CostModel> m = new HashMap<>();
    for (ModelKey key : models) m.put(key, new CostModel());
    this.byModel = Map.copyOf(m);
    this.instances = Math.max(1, instances);
  }

  /** What one queued item of {@code paddedLength} tokens of this model adds to the work ahead. */
  long itemNanos(ModelKey key, int paddedLength) {
    return byModel.get(key).itemNanos(paddedLength);
  }

  /** Items of class {@code p} worth {@code nanos} were queued (positive) or left the queue (negative). */
  void queued(Priority p, long nanos) {
    queued.addAndGet(p.ordinal(), nanos);
  }

  void clearQueued() {
    for (Priority p : Priority.values()) queued.set(p.ordinal(), 0);
  }

  /**
   * A batch of {@code paddedTokens} starts on an instance ({@code detached}: a batch-class batch on its low-priority
   * thread, the instance going back to the queue): returns what it is expected to take (nanos).
   */
  long startRunning(ModelKey key, long paddedTokens, boolean detached) {
    long expected = byModel.get(key).nanosFor(paddedTokens);
    (detached ? detachedRunning : running).addAndGet(expected);
    return expected;
  }

  /** The batch that {@link #startRunning} returned {@code expected} for has ended, whichever way. */
  void stopRunning(long expected, boolean detached) {
    (detached ? detachedRunning : running).addAndGet(-expected);
  }

  /** A batch ran (or a warm-up batch was timed): {@code items} items padded to {@code paddedTokens} in {@code nanos}. */
  void record(ModelKey key, int items, long paddedTokens, long nanos) {
    byModel.get(key).record(items, paddedTokens, nanos);
    lane.record(items, paddedTokens, nanos);
  }

  /**
   * The expected time before a request of class {@code p} submitted now starts computing: the work queued ahead of it
   * (its own class and every more urgent one; {@code untokenisedTexts} of it not yet tokenised, at the lane's typical
   * item cost) and half of what is running, over the lane's instances. 0 on an idle lane. Batches running detached
   * count for the batch class only: they hold no instance from interactive or standard work.
   */
  long expectedWaitNanos(Priority p, int untokenisedTexts) {
    return expectedWaitNanos(p, untokenisedTexts, queued.get(p.ordinal()));
  }

  /** The lane's instances. */
  int instances() {
    return instances;
  }

  /** The compute queued in class {@code p}, in nanoseconds. */
  long queuedNanos(Priority p) {
    return queued.get(p.ordinal());
  }

  /**
   * As {@link #expectedWaitNanos(Priority, int)}, with {@code ownClassWork} in place of all of class {@code p}'s queued
   * work: between tenants, only the part served before the caller's ({@link ClassQueues#costAhead}).
   */
  long expectedWaitNanos(Priority p, int untokenisedTexts, long ownClassWork) {
    long running = this.running.get() + (p == Priority.BATCH ? detachedRunning.get() : 0);
    long work = running / 2 + ownClassWork;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) >= 0) break;
      work += queued.get(q.ordinal());
    }
    work += untokenisedTexts * lane.typicalItemNanos();
    return Math.max(0, work) / instances;
  }

  /** The compute of a batch of {@code texts} texts at their typical length: a request's own share of its answer. */
  long batchOf(int texts) {
    return lane.batchOf(texts);
  }
}
