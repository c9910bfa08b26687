package dev.laneway.executor;

import java.util.ArrayList;
import java.util.List;

/**
 * The batch decision, as one pure function: {@link #decide(QueueView, long)} looks at the queued items and the time and
 * says what one free instance should do now — dispatch these items as a {@code rows x length} call, drop these expired
 * items, or wait this long.
 *
 * <p>Design. This follows Triton's {@code dynamic_batch_scheduler.cc}: a batch forms while the oldest item's
 * {@code max_queue_delay} runs; it is dispatched at once when it reaches {@code max_batch_size} or the largest
 * {@code preferred_batch_size}, else when the delay expires, with whatever is queued. Triton batches only same-shape
 * inputs (ragged batching needs backend support, server#3395); text encoders accept any length, and padding a batch
 * of short sentences to a long one wastes most of the computation, so Laneway adds sequence-length buckets:
 *
 * <ul>
 *   <li>Priority: the most urgent non-empty latency class decides alone (interactive, then standard, then batch), so an
 *       interactive item never waits behind queued batch work, only behind batches already running.
 *   <li>Aging (anti-starvation, a minimum share): once the batch class's oldest item has waited
 *       {@link BatchPolicy#agingAfter} or longer, and no batch of the class was dispatched for as long
 *       ({@link QueueView#lastDispatchNanos}), the class ranks as standard, and between the two the one whose oldest
 *       item is older decides. So under a standard flood batch work still gets one batch per {@code agingAfter}: it
 *       cannot starve. It is a trickle, not a precedence: under a batch flood, batch runs whenever standard is empty,
 *       so its last dispatch is always recent and a standard request never queues behind the batch backlog (only
 *       behind batches already running) — the noisy-neighbour case. Interactive keeps strict priority over both (its
 *       share of the queue is bounded by {@link ClassShares} and its window is 0), and standard is not aged: were it
 *       to rise to interactive's rank under an overload that keeps it older than the bound, interactive would wait
 *       behind queued standard work.
 *   <li>Fairness: each class's queue is in service order ({@link QueueView#queued}): by weighted fair-queueing tag
 *       between tenants ({@link FairClock}), which is arrival order for a single tenant. Its first item is the head.
 *   <li>Buckets: only items of the head's model variant and length bucket join its batch. Dynamic shapes bucket by
 *       powers of two of the padded length (≤16, ≤32, ≤64, …); static shapes by the static sequence length they pad
 *       to. Within the bucket, the batch is the head plus the first items (in service order) of its own padded length,
 *       then its nearest shorter neighbours, then longer ones: a deep queue yields batches of one padded length, as
 *       offline batching of a length-sorted corpus would; the head is always in the batch, so nothing starves (each
 *       batch advances the class's fair clock, and a newly queued item is tagged at or after it).
 *   <li>Window: measured from the class's oldest item (not the head, which fair queueing may have put before older
 *       items), so a window still bounds how long any item waits for its batch to form. Work-conserving: a window only
 *       gathers work while the lane is busy; when no other instance is computing and nothing waits to be tokenised
 *       ({@link QueueView#idle}), what is queued goes at once (reason {@code idle}), so one client at a time never
 *       waits out a window. Under load instances are busy and windows apply, so batching's gain stays.
 *       ({@link BatchPolicy#workConserving} turns this off.)
 *   <li>Shape: dynamic lanes pad to the longest member rounded up to {@code sequence_length_multiple}; static lanes pad
 *       to the nearest static length and add filler rows up to the nearest static batch size.
 *   <li>Cost bound: rows x length stays within {@code max_batch_tokens}, which bounds one batch's execution time and so
 *       how long an interactive item can wait behind it. With long texts on (below), a batch that no further item could
 *       join within it (not even one of the head's length) is full and goes at once, e.g. a 200-token text under a
 *       256-token bound: its window would gather nothing.
 *   <li>Long texts ({@link BatchPolicy#longTextTokens}, 0 = off): within the chosen class, texts over the bound form
 *       their own queue with its own window, and an instance share: while fewer than all the lane's instances but one
 *       compute long texts ({@link QueueView#longShareFree}), a free instance serves the long queue first, so a long
 *       text waits for no queued short work; otherwise it takes only short texts, so short texts always keep an
 *       instance free of long ones and never wait behind one. Priority, aging and fair queueing choose the class as
 *       before, and each queue keeps the class's service order.
 *   <li>Deadlines: an item past its deadline is dropped before compute; a wait never outlasts the earliest deadline.
 * </ul>
 *
 * <p>Only the first {@link #LOOKAHEAD} items of a class are considered, which bounds one decision's cost under
 * overload (the queue may hold thousands). Thread-safety: immutable; the caller holds whatever lock guards the view.
 */
public final class Batcher {
  /** Items of one class looked at per decision. */
  static final int LOOKAHEAD = 1024;

  private final BatchPolicy policy;

  public Batcher(BatchPolicy policy) {
    this.policy = policy;
  }

  public BatchPolicy policy() {
    return policy;
  }

  /** What the batcher needs of one queued item. */
  public interface Queued {
    String modelKey();

    /** Tokens after tokenisation (special tokens included). */
    int tokens();

    long enqueuedNanos();

    /** {@link System#nanoTime()}-based deadline; {@link Long#MAX_VALUE} for none. */
    long deadlineNanos();
  }

  /** The queue as the batcher sees it: per class, items in service order, and when the oldest was queued. */
  public interface QueueView<T extends Queued> {
    /**
     * Class {@code priority}'s items in service order: the first is served first (the head). The lane's queue orders
     * them by fair-queueing tag, ties in arrival order; with one tenant (or none), that is arrival order.
     */
    List<T> queued(Priority priority);

    /**
     * The enqueue time of the class's oldest item, from which its batch window runs; {@link Long#MAX_VALUE} when the
     * class is empty. By default the earliest among {@link #queued}, which a view may keep rather than scan for.
     */
    default long oldestEnqueuedNanos(Priority priority) {
      long oldest = Long.MAX_VALUE;
      for (T item : queued(priority)) oldest = Math.min(oldest, item.enqueuedNanos());
      return oldest;
    }

    /**
     * Whether work of a class more urgent than {@code priority} was dispatched within the last second (then a batch
     * of {@code priority} is bounded by {@link BatchPolicy#yieldingBatchTokens}). By default false.
     */
    default boolean moreUrgentActive(Priority priority) {
      return false;
    }

    /**
     * When a batch of class {@code priority} was last dispatched ({@link Long#MIN_VALUE}: never), which bounds how
     * often aging lets the batch class go first (once per {@link BatchPolicy#agingAfter}). By default never.
     */
    default long lastDispatchNanos(Priority priority) {
      return Long.MIN_VALUE;
    }

    /**
     * Whether a batch of long texts ({@link BatchPolicy#longTextTokens}) may start now: fewer instances compute long
     * texts than their share, all of the lane's instances but one (one, on a lane of one). By default true.
     */
    default boolean longShareFree() {
      return true;
    }

    /** True while draining: every window counts as expired. */
    boolean flushing();

    /**
     * True when no other instance of the lane is computing and no request waits to be tokenised: nothing can join a
     * batch sooner than the window would end, so the window counts as expired (work-conserving). By default false.
     */
    default boolean idle() {
      return false;
    }
  }

  /** What one free instance should do. */
  public sealed interface Decision<T extends Queued> {}

  /**
   * Run {@code items} (in this order) as one {@code rows x sequenceLength} call.
   *
   * @param reason why now: {@code size} (full), {@code preferred} (largest preferred size), {@code window} (delay
   *     expired), {@code flush} (draining) or {@code idle} (the lane was otherwise idle: {@link QueueView#idle})
   */
  public record Dispatch<T extends Queued>(
      List<T> items, Priority priority, int rows, int sequenceLength, String reason) implements Decision<T> {
    public Dispatch {
      items = List.copyOf(items);
    }

    /** {@code rows x length}, as the batch span reports it. */
    public String paddedShape() {
      return rows + "x" + sequenceLength;
    }

    public int realTokens() {
      int sum = 0;
      for (T t : items) sum += t.tokens();
      return sum;
    }

    /** Real tokens / computed tokens. */
    public double paddingEfficiency() {
      return (double) realTokens() / ((long) rows * sequenceLength);
    }
  }

  /** Drop these items: their deadline passed while queued. */
  public record Drop<T extends Queued>(List<T> expired) implements Decision<T> {
    public Drop {
      expired = List.copyOf(expired);
    }
  }

  /** Nothing to do for {@code nanos} (or until new work arrives); {@link Long#MAX_VALUE}: until new work arrives. */
  public record Wait<T extends Queued>(long nanos) implements Decision<T> {}

  /** Decides what a free instance does at {@code nowNanos}. Pure: reads the view, changes nothing. */
  public <T extends Queued> Decision<T> decide(QueueView<T> view, long nowNanos) {
    List<T> expired = new ArrayList<>();
    long wakeBy = Long.MAX_VALUE; // the earliest deadline, or time a class ages
    for (Priority p : Priority.values()) {
      List<T> q = view.queued(p);
      for (int i = 0, n = Math.min(q.size(), LOOKAHEAD); i < n; i++) {
        T item = q.get(i);
        if (item.deadlineNanos() <= nowNanos) {
          expired.add(item);
        } else {
          wakeBy = Math.min(wakeBy, item.deadlineNanos());
        }
      }
    }
    if (!expired.isEmpty()) {
      return new Drop<>(expired);
    }
    Priority chosen = null;
    int chosenRank = Integer.MAX_VALUE;
    long chosenOldest = Long.MAX_VALUE;
    long aging = policy.agingAfter().toNanos();
    for (Priority p : Priority.values()) { // most urgent first: of two equal candidates the more urgent stays
      if (view.queued(p).isEmpty()) continue;
      long oldest = view.oldestEnqueuedNanos(p);
      int rank = p.ordinal();
      if (aging > 0 && p.compareTo(Priority.STANDARD) > 0) {
        long last = view.lastDispatchNanos(p);
        long eligible = Math.max(oldest, last == Long.MIN_VALUE ? oldest : last) + aging; // aged, and not served lately
        if (nowNanos >= eligible) {
          rank--; // aged: ranks as standard
        } else { // a wait must end when it ages, as the choice may change then
          wakeBy = Math.min(wakeBy, eligible);
        }
      }
      if (rank < chosenRank || (rank == chosenRank && oldest < chosenOldest)) {
        chosen = p;
        chosenRank = rank;
        chosenOldest = oldest;
      }
    }
    if (chosen == null) return new Wait<>(Long.MAX_VALUE);
    int tokenBound = policy.batchTokens(view.moreUrgentActive(chosen));
    boolean idle = policy.workConserving() && view.idle();
    if (policy.longTextTokens() == 0) {
      return decideClass(chosen, view.queued(chosen), tokenBound, chosenOldest, nowNanos, view.flushing(), idle,
          wakeBy);
    }
    return decideSplit(chosen, view, tokenBound, nowNanos, idle, wakeBy);
  }

  /**
   * The chosen class's decision with long texts ({@link BatchPolicy#longTextTokens}) in their own queue: the class's
   * items split into short and long, each in service order with its own window (from its own oldest item). While the
   * long texts' instance share is free ({@link QueueView#longShareFree}) the long queue decides first, so a long text
   * does not wait behind the short texts' batches; once taken, only short texts are dispatched, so they always have an
   * instance that is not computing a long text. Neither queue's batch holds the other's texts.
   */
  private <T extends Queued> Decision<T> decideSplit(
      Priority p, QueueView<T> view, int tokenBound, long now, boolean idle, long wakeBy) {
    List<T> q = view.queued(p);
    List<T> shorts = new ArrayList<>();
    List<T> longs = new ArrayList<>();
    long shortOldest = Long.MAX_VALUE;
    long longOldest = Long.MAX_VALUE;
    for (int i = 0, n = Math.min(q.size(), LOOKAHEAD); i < n; i++) {
      T item = q.get(i);
      if (policy.longText(item.tokens())) {
        longs.add(item);
        longOldest = Math.min(longOldest, item.enqueuedNanos());
      } else {
        shorts.add(item);
        shortOldest = Math.min(shortOldest, item.enqueuedNanos());
      }
    }
    long untilDeadline = wakeBy == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, wakeBy - now);
    Decision<T> first = null;
    if (!longs.isEmpty() && view.longShareFree()) {
      first = decideClass(p, longs, tokenBound, longOldest, now, view.flushing(), idle, wakeBy);
      if (first instanceof Dispatch<T> || shorts.isEmpty()) return first;
    }
    if (shorts.isEmpty()) return new Wait<>(untilDeadline); // the instance computing long texts takes the next one
    Decision<T> second = decideClass(p, shorts, tokenBound, shortOldest, now, view.flushing(), idle, wakeBy);
    if (first instanceof Wait<T> a && second instanceof Wait<T> b) return new Wait<>(Math.min(a.nanos(), b.nanos()));
    return second;
  }

  private <T extends Queued> Decision<T> decideClass(
      Priority p, List<T> q, int tokenBound, long oldest, long now, boolean flushing, boolean idle, long wakeBy) {
    T head = q.get(0);
    int bucket = bucketOf(head.tokens());
    List<T> candidates = new ArrayList<>();
    for (int i = 0, n = Math.min(q.size(), LOOKAHEAD); i < n; i++) {
      T item = q.get(i);
      if (item.modelKey().equals(head.modelKey()) && bucketOf(item.tokens()) == bucket) {
        candidates.add(item);
      }
    }
    // by padded length, then service order: the head is the first of its padded-length group
    candidates = BatchOrder.byPaddedLength(candidates, this::paddedLength);
    int pos = 0;
    while (candidates.get(pos) != head) pos++;
    int groupEnd = pos;
    int headPad = paddedLength(head.tokens());
    while (groupEnd + 1 < candidates.size() && paddedLength(candidates.get(groupEnd + 1).tokens()) == headPad) {
      groupEnd++;
    }
    int maxK = maxRows();
    int k = Math.min(maxK, candidates.size());
    while (k > 1 && !withinTokenLimit(BatchOrder.window(candidates, pos, groupEnd, k), tokenBound)) {
      k--;
    }
    List<T> batch = BatchOrder.window(candidates, pos, groupEnd, k);
    String reason = null;
    boolean cannotGrow = policy.longTextTokens() > 0 && !roomForOneMore(k, headPad, tokenBound);
    if (k == maxK || k < candidates.size() || cannotGrow) {
      reason = "size";
    } else if (!policy.preferredBatchSizes().isEmpty() && k >= policy.preferredBatchSizes().getLast()) {
      reason = "preferred";
    } else if (now - oldest >= policy.maxQueueDelayNanos(p)) {
      reason = "window";
    } else if (flushing) {
      reason = "flush";
    } else if (idle) {
      reason = "idle";
    }
    if (reason == null) {
      long untilWindow = oldest + policy.maxQueueDelayNanos(p) - now;
      long untilDeadline = wakeBy == Long.MAX_VALUE ? Long.MAX_VALUE : wakeBy - now;
      return new Wait<>(Math.max(1, Math.min(untilWindow, untilDeadline)));
    }
    int longest = batch.getLast().tokens();
    return new Dispatch<>(BatchOrder.arrival(batch, q), p, rows(batch.size()), paddedLength(longest), reason);
  }

  private boolean withinTokenLimit(List<? extends Queued> batch, int tokenBound) {
    if (tokenBound == 0) return true;
    return (long) rows(batch.size()) * paddedLength(batch.getLast().tokens()) <= tokenBound;
  }

  /** Whether one more row of the head's padded length (the least a text joining could add) fits the token bound. */
  private boolean roomForOneMore(int k, int headPad, int tokenBound) {
    return tokenBound == 0 || (long) rows(k + 1) * headPad <= tokenBound;
  }

  /** Most items in one batch: max_batch_size, within the largest static batch size if any. */
  int maxRows() {
    List<Integer> s = policy.staticBatchSizes();
    return s.isEmpty() ? policy.maxBatchSize() : Math.min(policy.maxBatchSize(), s.getLast());
  }

  /** Rows of the call for {@code n} items: {@code n}, or the nearest static batch size up. */
  public int rows(int n) {
    for (int s : policy.staticBatchSizes()) {
      if (s >= n) return s;
    }
    return n;
  }

  /** The padded length for a batch whose longest item has {@code tokens} tokens. */
  public int paddedLength(int tokens) {
    if (!policy.staticSequenceLengths().isEmpty()) {
      for (int s : policy.staticSequenceLengths()) {
        if (s >= tokens) return s;
      }
      throw new IllegalArgumentException("tokens: " + tokens + " (expected: <= " + policy.maxItemTokens() + ")");
    }
    int m = policy.sequenceLengthMultiple();
    return (tokens + m - 1) / m * m;
  }

  /** The length bucket: items of one bucket may share a batch. */
  public int bucketOf(int tokens) {
    if (!policy.staticSequenceLengths().isEmpty()) {
      return paddedLength(Math.min(tokens, policy.maxItemTokens()));
    }
    int padded = Math.max(16, paddedLength(tokens));
    return Integer.highestOneBit(padded - 1) << 1; // 16, 32, 64, ...
  }
}
