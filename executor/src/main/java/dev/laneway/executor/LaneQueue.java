package dev.laneway.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What one lane holds and who may take it: requests waiting for the tokenizer (the {@link Backlog}) and tokenised
 * items in a queue per latency class, in fair-queueing order between tenants ({@link ClassQueues}), under one lock,
 * so that shedding and slot accounting see both at once.
 * {@link QueueAdmission} offers admitted requests; the {@link TokenizerStage} turns them into items; instances ask
 * {@link #next} what to do — the {@link Batcher}'s decision over the queues — and, while it says wait, tokenise a
 * waiting request themselves. The {@link CostLedger}'s queued cost is kept exact as items come and go, so the
 * estimates ({@link #expectedWaitNanos}) read the work ahead of a class.
 *
 * <p>Threads: submitters (offering, shedding), the tokenizer thread and instance threads; the lock is held only to
 * change or read the queues. Completions, drops and span work happen outside it. Ownership: whoever removes items from
 * the queue (an instance, the cancel hook, shedding, close) answers them and frees their {@link Slots}.
 */
final class LaneQueue {
  private final ExecutorContext lane;
  private final Slots slots;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when there is work an instance may do (items queued, a request to tokenise, a flush). */
  private final Condition work = lock.newCondition();
  /** Signalled when a request waits for the tokenizer thread and no instance is idle. */
  private final Condition tokenizerWork = lock.newCondition();
  private final ClassQueues queues;
  private final Backlog backlog = new Backlog();
  private final Batcher.QueueView<Item> view;
  /** When each class last ran, and instances on batch-class work (guarded by the lock). */
  private final ClassActivity activity = new ClassActivity();
  /** Instances waiting for work. Guarded by {@link #lock}. */
  private int idleInstances;
  private volatile boolean accepting = true;
  private volatile boolean stopped;

  LaneQueue(ExecutorContext lane) {
    this.lane = lane;
    this.slots = lane.slots();
    this.queues = new ClassQueues(lane.costs());
    this.view = new Batcher.QueueView<>() {
      @Override
      public List<Item> queued(Priority priority) {
        return queues.of(priority);
      }

      @Override
      public long oldestEnqueuedNanos(Priority priority) {
        return queues.oldestEnqueuedNanos(priority);
      }

      @Override
      public boolean moreUrgentActive(Priority priority) {
        return activity.moreUrgentActive(priority, lane.now());
      }

      @Override
      public long lastDispatchNanos(Priority priority) {
        return activity.lastDispatchNanos(priority);
      }

      @Override
      public boolean longShareFree() {
        return activity.longShareFree(lane.costs().instances());
      }

      @Override
      public boolean flushing() {
        return !accepting;
      }

      @Override
      public boolean idle() { // asked by an instance, which is not counted idle while it decides
        return idleInstances + 1 >= lane.costs().instances() && backlog.isEmpty();
      }
    };
  }

  // ---- admission's side ----------------------------------------------------------------------------------------

  /**
   * Adds an admitted request (its slots reserved) to the backlog and wakes whoever should tokenise it: an idle
   * instance, or the tokenizer thread when {@link TokenizerStage#tokenizeAtOnce} says so.
   *
   * @return false when the queue is closed: nothing was added and the caller still owns the request
   */
  boolean offer(Pending pending) {
    lock.lock();
    try {
      if (stopped) return false;
      backlog.add(pending);
      if (idleInstances > 0) {
        work.signal(); // an idle instance tokenises and dispatches it itself: one hand-off
      }
      if (TokenizerStage.tokenizeAtOnce(backlog.size(), idleInstances, queues.sizeUpTo(pending.priority()),
          lane.config().batching().maxBatchSize())) {
        tokenizerWork.signal();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Requests removed to make room, and the items they held in the queue (what their slots amount to). */
  record Shed(List<Pending> requests, int items) {}

  /**
   * Picks and removes what to drop to make room for {@code n} items of class {@code p} within {@code limit}: queued work
   * of less urgent classes, least urgent class first and newest request first (it has waited least), whole requests
   * at a time, those still waiting for the tokenizer before tokenised ones. Removes nothing unless that frees enough.
   * The caller ({@link QueueAdmission}) frees the slots and answers the requests.
   *
   * @return what was removed (nothing, when room was made meanwhile), or null when not enough can be freed
   */
  Shed shedFor(Priority p, int n, int limit) {
    if (p == Priority.lowest()) return null;
    return locked(() -> QueueAdmission.pickVictims(p, slots.held() + n - limit, backlog, queues));
  }

  // ---- what the lane holds, and the estimates -------------------------------------------------------------------

  /** See {@link LaneExecutor#expectedWaitNanos}. */
  long expectedWaitNanos(Priority p) {
    return lane.costs().expectedWaitNanos(p, backlogUpTo(p));
  }

  /** Texts waiting for the tokenizer in class {@code p} and every more urgent class (read without the lock). */
  private int backlogUpTo(Priority p) {
    int texts = 0;
    for (Priority q : Priority.values()) {
      if (q.compareTo(p) > 0) break;
      texts += backlog.texts(q);
    }
    return texts;
  }

  /**
   * The expected wait of a request of {@code tenant} (at {@code weight}) in class {@code p}: as
   * {@link #expectedWaitNanos(Priority)}, but counting of its own class what weighted fair queueing serves before it
   * ({@link ClassQueues#costAhead}). Read under the lock; with one tenant (or none) in the class, the whole class, as
   * before. So under contention a tenant over its share is refused as unable to meet its deadline while one under its
   * share is admitted: the weights hold at admission, not only in the queue.
   */
  long expectedWaitNanos(Priority p, String tenant, double weight) {
    int texts = backlogUpTo(p);
    lock.lock();
    try {
      if (queues.clock(p).tenants() <= 1) return lane.costs().expectedWaitNanos(p, texts);
      return lane.costs().expectedWaitNanos(p, texts, queues.costAhead(p, tenant, weight));
    } finally {
      lock.unlock();
    }
  }

  /** Items held for a class: queued, or waiting for the tokenizer. */
  int depth(Priority p) {
    return locked(() -> queues.size(p) + backlog.texts(p));
  }

  /** Tokenised items queued in class {@code p} (not those waiting for the tokenizer). */
  int tokenised(Priority p) {
    return locked(() -> queues.size(p));
  }

  /** Tenants class {@code p}'s fair-queueing clock remembers (tests: the per-tenant state is bounded). */
  int tenantsRemembered(Priority p) {
    return locked(() -> queues.clock(p).tenants());
  }

  private <T> T locked(Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
  }

  // ---- the tokenizer's side -------------------------------------------------------------------------------------

  /** The tokenizer thread's wait: the next request to tokenise, or null once the queue is stopped. */
  Pending awaitBacklog() throws InterruptedException {
    lock.lock();
    try {
      Pending p;
      while ((p = backlog.poll()) == null && !stopped) tokenizerWork.await();
      return p;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a tokenised request's items worth {@code cost}; {@code wake}: signal an instance (the tokenizer thread
   * does; an instance tokenising for itself goes on to decide).
   *
   * @return false when the queue is closed: nothing was queued and the caller still owns the request
   */
  boolean enqueue(Pending p, Item[] items, long cost, boolean wake) {
    lock.lock();
    try {
      if (stopped) return false;
      queues.add(p.priority(), items, cost);
      p.queued = true;
      if (wake) work.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Cancel hook (any thread): removes the request's queued items and frees their slots. */
  void cancelled(Pending p) {
    int removed;
    lock.lock();
    try {
      if (!p.queued) return; // still with the tokenizer, which frees it
      removed = queues.remove(p.priority(), i -> i.pending() == p);
    } finally {
      lock.unlock();
    }
    if (removed > 0) {
      slots.release(removed);
      lane.stats().cancelled.addAndGet(removed);
      lane.telemetry().dropped(p.request.modelKey(), null, "cancelled", removed);
    }
  }

  // ---- the instances' side --------------------------------------------------------------------------------------

  /**
   * What an instance does next: a batch to run or expired items to fail, both already taken off the queue (their
   * slots are still held: the instance frees them); while the batcher says wait, the
   * instance tokenises a waiting request itself through {@code tokenizeHere} (lock released) rather than hand it off.
   * {@code batchThreadBusy}: the instance's low-priority thread still computes a detached batch-class batch
   * ({@link BatchPolicy#batchNice}), so it takes no other batch-class batch until {@link #detachedEnded}, and leaves
   * one to an instance whose thread is free. Returns a zero wait once stopped. Caller holds no lock.
   */
  Batcher.Decision<Item> next(Consumer<Pending> tokenizeHere, BooleanSupplier batchThreadBusy)
      throws InterruptedException {
    lock.lock();
    try {
      activity.instanceReturned();
      while (!stopped) {
        Batcher.Decision<Item> d = lane.batcher().decide(view, lane.now());
        if (d instanceof Batcher.Dispatch<Item> dispatch) {
          long hold = activity.holdForUrgent(dispatch.priority(), lane.costs().instances(),
              lane.config().batching().urgentReservedInstances(), lane.now());
          // this instance stays free for more urgent work a while longer: it waits as if there were nothing to run,
          // tokenising what arrives meanwhile (an idle instance is the one that does)
          if (hold > 0) {
            d = new Batcher.Wait<>(hold);
          } else if (detached(dispatch.priority()) && batchThreadBusy.getAsBoolean()) {
            if (activity.batchClassRunning() < lane.costs().instances()) work.signalAll(); // a free one takes it
            d = new Batcher.Wait<>(Long.MAX_VALUE); // until new work, or its batch ends (detachedEnded)
          }
        }
        switch (d) {
          case Batcher.Dispatch<Item> dispatch -> {
            queues.dispatch(dispatch.priority(), dispatch.items());
            activity.dispatched(dispatch.priority(),
                lane.config().batching().longText(dispatch.items().getFirst().tokens()), lane.now(),
                detached(dispatch.priority()));
            handOn();
            return d;
          }
          case Batcher.Drop<Item> drop -> {
            for (Priority p : Priority.values()) queues.remove(p, drop.expired());
            handOn();
            return d;
          }
          case Batcher.Wait<Item> w -> {
            Pending p = backlog.poll();
            if (p != null) { // nothing to run yet: tokenise a waiting request here rather than hand it off
              lock.unlock();
              try {
                tokenizeHere.accept(p);
              } finally {
                lock.lock();
              }
              continue;
            }
            idleInstances++;
            try {
              if (w.nanos() == Long.MAX_VALUE) {
                work.await();
              } else {
                work.awaitNanos(w.nanos());
              }
            } finally {
              idleInstances--;
            }
          }
        }
      }
      return new Batcher.Wait<>(0);
    } finally {
      lock.unlock();
    }
  }

  /** Whether an instance computes a batch of class {@code p} detached, on its low-priority thread. */
  boolean detached(Priority p) {
    return p == Priority.lowest() && lane.config().batching().batchNice() > 0;
  }

  /** A detached batch ({@link #next}) is done: an instance may take the next one. */
  void detachedEnded(boolean longTexts) {
    lock.lock();
    try {
      activity.detachedEnded(longTexts);
      if (!queues.isEmpty()) work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * After items were taken off the queue (a batch to compute, or expired items to fail): the calling instance is about
   * to leave the queue, so whatever work is left is handed on: queued items to another instance, requests still to
   * tokenise to an idle instance or else, in bulk, to the tokenizer thread. Holds the lock.
   */
  private void handOn() {
    if (!queues.isEmpty() || (!backlog.isEmpty() && idleInstances > 0)) {
      work.signal();
    }
    if (TokenizerStage.tokenizeInBulk(backlog.size(), idleInstances)) {
      tokenizerWork.signal();
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  boolean accepting() {
    return accepting;
  }

  boolean stopped() {
    return stopped;
  }

  /** Stops taking new work; what is queued is dispatched without waiting out batch windows. */
  void stopAccepting() {
    accepting = false;
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops the instances' and the tokenizer's loops (they exit at their next check); nothing is failed yet. */
  void stop() {
    accepting = false;
    stopped = true;
  }

  /**
   * Stops for good and fails every request still waiting for the tokenizer and every queued item with
   * {@link ExecutorException.ShuttingDown}, outside the lock. Items already running are answered by their instance.
   */
  void failWhatIsLeft() {
    List<Pending> untokenised;
    List<Item> left;
    lock.lock();
    try {
      stop();
      untokenised = backlog.clear();
      left = queues.clear();
      work.signalAll();
      tokenizerWork.signalAll();
    } finally {
      lock.unlock();
    }
    for (Pending p : untokenised) {
      slots.release(p.texts());
      p.fail(new ExecutorException.ShuttingDown(lane.name() + " closed before this request ran"));
    }
    for (Item item : left) {
      slots.release(1);
      item.pending().fail(new ExecutorException.ShuttingDown(lane.name() + " closed before this item ran"));
    }
  }
}
