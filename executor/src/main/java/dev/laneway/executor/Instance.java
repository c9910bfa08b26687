package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokens;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One instance of a lane on one device: a thread computing on the device's {@link EncoderSession}s (one per model
 * variant, shared by the device's instances). It
 * asks the {@link LaneQueue} what to do, runs each batch as one {@code rows x length} call (a {@code batch} span),
 * answers its items in order (one hand-off per completion executor, {@link Completions}), and records what the batch
 * cost. A batch that fails is answered with
 * {@link ExecutorException.ExecutionFailed} for every item: a failed batch never strands its items.
 *
 * <p>The sessions are opened and warmed before any instance exists ({@link DeviceSessions}: a model is ready only after
 * a warm-up run, and two timed runs seed the cost model, so estimates are never empty once the lane is ready).
 *
 * <p>Threads: constructed on the starting thread; {@link #run} on the instance's own thread; {@link #running} is read
 * by the watchdog's thread. Ownership: the items of a batch taken from the queue are the instance's until it answers
 * them (the watchdog may answer an overdue one first; the instance's later answer is then a no-op).
 */
final class Instance {
  private static final Logger LOG = Logger.getLogger(Instance.class.getName());

  private final ExecutorContext lane;
  private final LaneQueue queue;
  private final TokenizerStage tokenizer;
  final Placement placement;
  final int index;
  /** The device's sessions by model variant, shared with its other instances (closed by the executor). */
  private final Map<ModelKey, EncoderSession> sessions;
  final DeviceProvider provider;
  final Thread thread;
  /** Runs the least urgent class's batches at a lower OS priority; null when the lane does not ask for it. */
  private final NicedRunner niced;
  /** The batch this instance is computing, or null; read by the watchdog. */
  private volatile Running running;
  /** The batch-class batch its low-priority thread computes (detached), or null; read by the watchdog. */
  private volatile Running detached;
  /** A batch's answers grouped by completion executor; reused by this instance's thread. */
  private final Completions completions = new Completions();
  /** The same, for the low-priority thread's detached batches. */
  private final Completions detachedCompletions = new Completions();

  /** A batch being computed: its items, when it started, what the lane expected it to take. */
  record Running(List<Item> items, long startNanos, long expectedNanos) {}

  /**
   * An instance of {@code placement} computing on {@code sessions} (opened and warmed by {@link DeviceSessions},
   * shared with the device's other instances); the thread starts with {@link #start}.
   */
  Instance(ExecutorContext lane, LaneQueue queue, TokenizerStage tokenizer, Map<ModelKey, EncoderSession> sessions,
      Placement placement, int perDevice, int index) {
    this.lane = lane;
    this.queue = queue;
    this.tokenizer = tokenizer;
    this.placement = placement;
    this.index = index;
    this.sessions = sessions;
    this.provider = DeviceProvider.of(placement.device(), sessions.values().iterator().next().provider());
    String name = "laneway-" + lane.name() + "-" + placement.device() + "-i" + perDevice;
    int nice = lane.config().batching().batchNice();
    this.niced = nice > 0 ? new NicedRunner(name + "-batch", nice) : null;
    this.thread = Thread.ofPlatform()
        .name(name)
        .daemon(true)
        .unstarted(this::run);
  }

  /** The batch being computed now, or null. */
  Running running() {
    return running;
  }

  /** The batch-class batch the low-priority thread computes now, detached from this instance's thread, or null. */
  Running detached() {
    return detached;
  }

  void start() {
    thread.start();
  }

  private void run() {
    while (!queue.stopped()) {
      Batcher.Decision<Item> d;
      try {
        d = queue.next(p -> tokenizer.tokenizeAndQueue(p, false), () -> detached != null);
      } catch (InterruptedException e) {
        continue; // close interrupts: the loop's check ends it
      }
      switch (d) {
        case Batcher.Dispatch<Item> dispatch -> execute(dispatch);
        case Batcher.Drop<Item> drop -> expire(drop.expired());
        case Batcher.Wait<Item> w -> { }
      }
    }
  }

  private void expire(List<Item> items) {
    long now = lane.now();
    lane.slots().release(items.size());
    for (Item item : items) {
      Pending p = item.pending();
      if (p.settled()) continue;
      lane.stats().expired.incrementAndGet();
      lane.telemetry().dropped(p.request.modelKey(), null, "deadline", 1);
      p.fail(expiredInQueue(p, now));
    }
  }

  private ExecutorException.DeadlineExceeded expiredInQueue(Pending p, long now) {
    return new ExecutorException.DeadlineExceeded("deadline passed after "
        + TimeUnit.NANOSECONDS.toMillis(now - p.submittedNanos) + " ms in the " + lane.name() + " queue");
  }

  private void execute(Batcher.Dispatch<Item> batch) {
    // the queue counts a detached batch as running until detachedEnded, which every path below must reach
    boolean detach = niced != null && queue.detached(batch.priority());
    boolean longTexts = lane.config().batching().longText(batch.items().getFirst().tokens());
    lane.slots().leftQueue(batch.items().size());
    long now = lane.now();
    List<Item> live = new ArrayList<>(batch.items().size());
    for (Item item : batch.items()) {
      Pending p = item.pending();
      if (p.settled()) {
        lane.slots().answered(1); // cancelled, or failed through another item: nothing to compute
      } else if (now >= p.request.deadlineNanos()) {
        lane.slots().answered(1);
        lane.stats().expired.incrementAndGet();
        lane.telemetry().dropped(p.request.modelKey(), null, "deadline", 1);
        p.fail(expiredInQueue(p, now));
      } else {
        live.add(item);
      }
    }
    if (live.isEmpty()) {
      if (detach) queue.detachedEnded(longTexts);
      return;
    }
    if (live.size() < batch.items().size()) {
      int longest = 0;
      for (Item i : live) longest = Math.max(longest, i.tokens());
      batch = new Batcher.Dispatch<>(live, batch.priority(), lane.batcher().rows(live.size()),
          lane.batcher().paddedLength(longest), batch.reason());
    }
    ModelKey key = live.getFirst().pending().request.modelKey();
    String device = placement.device();
    List<Tokens> tokens = new ArrayList<>(live.size());
    List<Context> contexts = new ArrayList<>();
    IdentityHashMap<Pending, Boolean> distinct = new IdentityHashMap<>();
    long[] queueMs = new long[live.size()];
    for (int i = 0; i < live.size(); i++) {
      Item item = live.get(i);
      Pending p = item.pending();
      tokens.add(item.tokenized());
      queueMs[i] = TimeUnit.NANOSECONDS.toMillis(now - p.submittedNanos);
      if (distinct.put(p, Boolean.TRUE) == null) contexts.add(p.request.context());
      lane.telemetry().queued(key, device, p.priority(), now - p.submittedNanos);
    }
    Span span = lane.telemetry().startBatch(batch, contexts, queueMs, key, device, index, provider.standIn());
    long padded = (long) batch.rows() * batch.sequenceLength();
    long expected = lane.costs().startRunning(key, padded, detach);
    Batcher.Dispatch<Item> b = batch;
    if (detach) { // this thread goes back for more urgent work meanwhile
      detached = new Running(live, lane.now(), expected);
      niced.submit(() -> {
        try {
          compute(b, live, key, tokens, span, padded, expected, detachedCompletions, true);
        } finally {
          detached = null;
          queue.detachedEnded(longTexts);
        }
      });
      return;
    }
    running = new Running(live, lane.now(), expected);
    compute(batch, live, key, tokens, span, padded, expected, completions, false);
    running = null;
  }

  /** Computes a batch and answers its items, on this instance's thread or (detached) its low-priority one. */
  private void compute(Batcher.Dispatch<Item> batch, List<Item> live, ModelKey key, List<Tokens> tokens, Span span,
      long padded, long expected, Completions completions, boolean detached) {
    String device = placement.device();
    long start = lane.now();
    float[][] vectors;
    try {
      // a batch that fails to allocate is split and its halves retried (DeviceMemory)
      vectors = lane.memory().embed(sessions.get(key), device, tokens, batch.rows(), batch.sequenceLength(),
          lane.batcher()::rows, () -> {
            lane.stats().oomSplits.incrementAndGet();
            lane.telemetry().split(key, device);
          });
    } catch (RuntimeException | LinkageError | AssertionError e) { // a failed batch never strands its items
      lane.costs().stopRunning(expected, detached);
      LOG.log(Level.WARNING, lane.name() + ": batch of " + live.size() + " failed on " + device, e);
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, "device error");
      span.end();
      lane.stats().failedBatches.incrementAndGet();
      lane.telemetry().dropped(key, device, "device_error", live.size());
      lane.slots().answered(live.size());
      for (Item item : live) {
        item.pending().fail(new ExecutorException.ExecutionFailed(
            lane.name() + " on " + device + ": " + e.getMessage(), e));
      }
      return;
    }
    long end = lane.now();
    lane.costs().stopRunning(expected, detached);
    span.end();
    lane.costs().record(key, live.size(), padded, end - start);
    lane.stats().recordBatch(live.size(), end - start, batch.realTokens(), padded);
    lane.telemetry().batch(key, device, live.size(), end - start, batch.paddingEfficiency());
    for (Item item : live) lane.stats().served(item.tenant(), item.charge());
    lane.slots().answered(live.size());
    // one hand-off per completion executor (an event loop is woken once per batch), continuations off this thread
    for (int i = 0; i < live.size(); i++) {
      Item item = live.get(i);
      Pending p = item.pending();
      EmbedResult r = p.answer(item.index(), vectors[i], item.tokens(), start - p.submittedNanos, end - start,
          expected, provider);
      if (r != null) completions.add(p, r);
    }
    completions.deliver();
  }

  /** Ends the low-priority thread, if any; after this instance's thread has ended (the sessions are the device's). */
  void close() {
    if (niced != null) niced.close();
  }
}
