package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer stage: each model variant's tokenizer, and the lane's tokenizer thread, which turns a request waiting
 * in the {@link LaneQueue}'s backlog into queued items (a {@code tokenize} span each): it refuses a text longer than a
 * static shape allows, prices each item with the {@link CostLedger}, and hands the items to the queue, waking one
 * instance.
 *
 * <p>Who tokenises, and when (the two pure decisions below, which the queue applies under its lock): an idle instance
 * tokenises a request itself (one thread hand-off in all, see {@link LaneQueue#next}); otherwise the tokenizer thread
 * does, so that busy instances only compute — at once while less than a batch of at-least-as-urgent work is ready
 * ({@link #tokenizeAtOnce}), else in bulk each time an instance takes a batch ({@link #tokenizeInBulk}): one wake-up
 * per batch rather than per request under saturation.
 *
 * <p>Threads: {@link #tokenizeAndQueue} runs on the tokenizer thread or on an instance thread, outside the queue lock;
 * the tokenizers are thread-safe. Ownership: the request it is given is the stage's until it is queued, or answered
 * (refused, failed, or freed when it was cancelled meanwhile).
 */
final class TokenizerStage {
  private final ExecutorContext lane;
  private final LaneQueue queue;
  private final Map<ModelKey, Tokenizer> tokenizers;
  private final Thread thread;

  /** Loads every model's tokenizer; the thread starts with {@link #start}. */
  TokenizerStage(ExecutorContext lane, LaneQueue queue, List<ExecutorModel> models) {
    this.lane = lane;
    this.queue = queue;
    Map<ModelKey, Tokenizer> t = new HashMap<>();
    try {
      for (ExecutorModel m : models) t.put(m.key(), Tokenizer.load(m.encoderSpec()));
    } catch (RuntimeException e) {
      t.values().forEach(Tokenizer::close);
      throw e;
    }
    this.tokenizers = Map.copyOf(t);
    this.thread = Thread.ofPlatform().name("laneway-" + lane.name() + "-tokenizer").daemon(true)
        .unstarted(this::loop);
  }

  /**
   * At submit: whether the tokenizer thread tokenises the new request now. Not while an idle instance can take it
   * (more waiting requests than idle instances: woken ones may not have run yet), nor while a full batch of work at
   * least as urgent ({@code readyAhead} items) is already queued: the request cannot run before that batch, so it waits
   * for the next bulk pass. Under saturation this turns one tokenizer wake-up per request, each preempting a computing
   * instance on a machine with as many cores as instances, into one per batch; at light load, or for a request more
   * urgent than what is queued, nothing changes.
   */
  static boolean tokenizeAtOnce(int waiting, int idleInstances, int readyAhead, int maxBatchSize) {
    return waiting > idleInstances && readyAhead < maxBatchSize;
  }

  /** When an instance takes work off the queue: the bulk pass, when requests wait and no instance is idle to take them. */
  static boolean tokenizeInBulk(int waiting, int idleInstances) {
    return waiting > 0 && idleInstances == 0;
  }

  void start() {
    thread.start();
  }

  /** Tokenises with the variant's tokenizer (thread-safe): the instances' warm-up batches. */
  Tokens encode(ModelKey key, String text) {
    return tokenizers.get(key).encode(text);
  }

  private void loop() {
    while (!queue.stopped()) {
      Pending p;
      try {
        p = queue.awaitBacklog();
      } catch (InterruptedException e) {
        continue; // close interrupts: the loop's check ends it
      }
      if (p != null) tokenizeAndQueue(p, true);
    }
  }

  /**
   * Tokenises a request and queues its items; {@code wake}: signal an instance (the tokenizer thread does; an
   * instance tokenising for itself goes on to decide and need not wake another).
   */
  void tokenizeAndQueue(Pending p, boolean wake) {
    EmbedRequest r = p.request;
    int n = r.texts().size();
    if (p.settled()) { // cancelled before tokenisation: its cancel hook found nothing queued
      lane.slots().release(n);
      lane.stats().cancelled.addAndGet(n);
      lane.telemetry().dropped(r.modelKey(), null, "cancelled", n);
      return;
    }
    Span span = lane.telemetry().startTokenize(r.context(), r.modelKey(), n);
    Tokenizer tokenizer = tokenizers.get(r.modelKey());
    Item[] items = new Item[n];
    long itemsCost = 0;
    int limit = lane.config().batching().maxItemTokens();
    try {
      for (int i = 0; i < n; i++) {
        Tokens t = tokenizer.encode(r.texts().get(i));
        if (t.length() > limit) {
          lane.slots().release(n);
          span.setStatus(StatusCode.ERROR, "input too long");
          p.fail(new ExecutorException.InputTooLong(
              lane.name() + ": text " + i + " has " + t.length() + " tokens (expected: <= " + limit
                  + ", the lane's largest static_sequence_lengths)"));
          return;
        }
        int padded = lane.batcher().paddedLength(t.length());
        items[i] = new Item(p, i, t, lane.costs().itemNanos(r.modelKey(), padded), padded);
        itemsCost += items[i].cost();
      }
    } catch (RuntimeException e) {
      lane.slots().release(n);
      span.recordException(e);
      p.fail(new ExecutorException.ExecutionFailed(lane.name() + ": tokenisation failed: " + e.getMessage(), e));
      return;
    } finally {
      span.end();
    }
    if (!queue.enqueue(p, items, itemsCost, wake)) { // closed meanwhile: close() failed what was queued then
      lane.slots().release(n);
      p.fail(new ExecutorException.ShuttingDown(lane.name() + " closed before this request ran"));
      return;
    }
    if (p.future.isCancelled()) queue.cancelled(p); // the hook may have run before the items were queued
  }

  /** Stops the thread (the queue must be stopped first) and waits for it to end. */
  void stop() {
    thread.interrupt();
    try {
      if (thread.isAlive()) thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Frees the tokenizers' native memory; after {@link #stop} and once no instance tokenises. */
  void close() {
    for (Tokenizer t : tokenizers.values()) t.close();
  }
}
