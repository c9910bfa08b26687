package dev.laneway.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a lane takes a request now: a request whose deadline has passed, or that the work queued ahead of its class
 * would make miss it, is refused at once; otherwise it reserves {@link Slots} within its class's share of
 * {@code max_queue_size} ({@link ClassShares}: by default batch 3/4, standard 7/8, so a flood of background work never
 * gets an interactive request refused as full), shedding the newest less urgent requests when that makes room, or is
 * refused as full. An admitted request goes to the {@link LaneQueue}'s backlog.
 *
 * <p>Between tenants, "the work queued ahead" is what weighted fair queueing serves before this tenant's request
 * ({@link LaneQueue#expectedWaitNanos(Priority, String, double)}): under contention a tenant over its share is refused as
 * unable to meet its deadline before one under its share, so admission follows the weights, not arrival order.
 *
 * <p>Threads: {@link #submit} runs on the submitter's thread (the gateway's event loop included) and never waits for
 * work: it takes the queue lock only to estimate a deadline-bearing request's wait, to add the request, or to pick what
 * to shed. Refusals are answered on that
 * thread, outside the lock; shed requests on their own completion executors. Ownership: a request admitted here is the executor's until its future
 * completes; a shed one is answered here ({@link ExecutorException.QueueFull}, {@code SHED}).
 */
final class QueueAdmission {
  private final ExecutorContext lane;
  private final LaneQueue queue;
  private final Slots slots;
  private final AtomicLong sequence = new AtomicLong();

  QueueAdmission(ExecutorContext lane, LaneQueue queue) {
    this.lane = lane;
    this.queue = queue;
    this.slots = lane.slots();
  }

  /**
   * Admits a request of a loaded model, or refuses it (see {@link LaneExecutor#submit}). Never blocks. A refusal here
   * is a failed future returned in place; once admitted, the request is answered on {@code completion}.
   */
  CompletableFuture<EmbedResult> submit(EmbedRequest request, Executor completion) {
    int n = request.texts().size();
    Priority priority = request.priority();
    long now = lane.now();
    if (request.deadlineNanos() != Long.MAX_VALUE) {
      long remaining = request.deadlineNanos() - now;
      if (remaining <= 0) {
        lane.stats().expired.addAndGet(n);
        lane.telemetry().dropped(request.modelKey(), null, "deadline", n);
        return CompletableFuture.failedFuture(new ExecutorException.DeadlineExceeded(
            lane.name() + ": the deadline had passed when the request reached the lane"));
      }
      long wait = queue.expectedWaitNanos(priority, request.tenant(), request.weight());
      if (wait > remaining) {
        lane.stats().rejected.addAndGet(n);
        lane.telemetry().dropped(request.modelKey(), null, "would_miss_deadline", n);
        return CompletableFuture.failedFuture(new ExecutorException.QueueFull(lane.name() + ": the "
            + priority.wireName() + " work queued ahead would take ~" + TimeUnit.NANOSECONDS.toMillis(wait)
            + " ms, longer than the request's deadline (" + TimeUnit.NANOSECONDS.toMillis(remaining) + " ms left)",
            ExecutorException.QueueFull.Reason.DEADLINE, wait));
      }
    }
    int limit = limit(priority);
    // lower-class work may make room: try once more after shedding
    if (!slots.reserve(n, limit) && !(shedFor(priority, n, limit) && slots.reserve(n, limit))) {
      lane.stats().rejected.addAndGet(n);
      lane.telemetry().dropped(request.modelKey(), null, "queue_full", n);
      return CompletableFuture.failedFuture(new ExecutorException.QueueFull(
          lane.name() + ": queue full (" + slots.held() + " items held, " + n + " more asked; " + limit
              + " of max_queue_size " + lane.config().maxQueueSize() + " open to the " + priority.wireName()
              + " class)", ExecutorException.QueueFull.Reason.FULL, queue.expectedWaitNanos(priority)));
    }
    Pending pending = new Pending(request, now, sequence.getAndIncrement(), completion);
    pending.future.whenComplete((r, e) -> {
      if (pending.future.isCancelled()) queue.cancelled(pending);
    });
    if (!queue.offer(pending)) { // closed after the caller's check: close() has already failed what it found
      slots.release(n);
      pending.fail(new ExecutorException.ShuttingDown(lane.name() + " is shutting down"));
    }
    return pending.future;
  }

  /** How many held items a request of this class may find and still be admitted: its share of the queue. */
  int limit(Priority p) {
    return lane.config().shares().limit(p, lane.config().maxQueueSize());
  }

  /**
   * Makes room for {@code n} items of class {@code p} by dropping queued work of less urgent classes (which requests,
   * {@link LaneQueue#shedFor} picks), and answers each dropped request with {@link ExecutorException.QueueFull}
   * ({@code SHED}). Drops nothing unless that frees enough.
   *
   * @return whether enough was freed
   */
  private boolean shedFor(Priority p, int n, int limit) {
    LaneQueue.Shed shed = queue.shedFor(p, n, limit);
    if (shed == null) return false;
    slots.release(shed.items());
    for (Pending v : shed.requests()) {
      int texts = v.texts();
      lane.stats().shed.addAndGet(texts);
      lane.telemetry().dropped(v.request.modelKey(), null, "shed", texts);
      v.fail(new ExecutorException.QueueFull(lane.name() + ": shed to admit " + p.wireName() + " work (the "
          + v.priority().wireName() + " class's queued work is dropped first when the lane is full)",
          ExecutorException.QueueFull.Reason.SHED, queue.expectedWaitNanos(v.priority())));
    }
    return true;
  }

  /**
   * What {@link LaneQueue#shedFor} removes to free {@code need} slots for class {@code p}, under the queue's lock: less
   * urgent classes, least urgent first, newest request first, untokenised before tokenised; null when not enough.
   */
  static LaneQueue.Shed pickVictims(Priority p, int need, Backlog backlog, ClassQueues queues) {
    List<Pending> victims = new ArrayList<>();
    if (need <= 0) return new LaneQueue.Shed(victims, 0);
    int available = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) > 0) available += backlog.texts(q) + queues.size(q);
    }
    if (available < need) return null;
    int freed = 0;
    Priority[] classes = Priority.values();
    for (int c = classes.length - 1; c >= 0 && freed < need; c--) {
      Priority q = classes[c];
      if (q.compareTo(p) <= 0) break;
      Pending waiting;
      while (freed < need && (waiting = backlog.removeNewest(q)) != null) {
        freed += waiting.texts();
        victims.add(waiting);
      }
      while (freed < need && queues.size(q) > 0) freed += queues.removeNewest(q, victims);
    }
    return new LaneQueue.Shed(victims, freed);
  }
}
