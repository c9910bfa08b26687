package dev.laneway.executor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A request being answered: collects its items' vectors and, once all are in, hands its answer (in text order) to
 * {@link #completion}, the executor its submitter asked its future to be completed on ({@link Completions}).
 *
 * <p>Threads: created by the submitter; {@link #answer} is called by instance threads (each item once), {@link #fail}
 * by whichever thread drops the request or one of its items. The first of them to settle the request wins, later ones
 * are no-ops; {@link #settled} says whether it is settled (its future may still be completing on {@link #completion}).
 * {@link #queued} is written and read under the queue's lock.
 */
final class Pending {
  final EmbedRequest request;
  /** The key as the {@link Batcher} compares it: built once per request, not per look. */
  final String keyName;
  final long submittedNanos;
  /** Arrival order: the tokenizer's tie-break within a class, and "newest" for shedding. */
  final long sequence;
  final CompletableFuture<EmbedResult> future = new CompletableFuture<>();
  /** Where {@link #future} is completed (and so where its continuations run); {@code Runnable::run}: in place. */
  final Executor completion;
  private final float[][] vectors;
  private final int[] tokenCounts;
  /** Set under the queue lock once the items are queued. */
  boolean queued;
  private int remaining;
  private boolean answered;
  private long queueNanos;
  private long computeNanos;
  private long expectedNanos;

  Pending(EmbedRequest request, long submittedNanos, long sequence, Executor completion) {
    this.request = request;
    this.keyName = request.modelKey().toString();
    this.submittedNanos = submittedNanos;
    this.sequence = sequence;
    this.completion = completion;
    this.vectors = new float[request.texts().size()][];
    this.tokenCounts = new int[request.texts().size()];
    this.remaining = request.texts().size();
  }

  Priority priority() {
    return request.priority();
  }

  int texts() {
    return vectors.length;
  }

  /** Whether the request is answered, failed or cancelled: nothing more to compute for it. */
  synchronized boolean settled() {
    return answered || future.isDone();
  }

  /**
   * One item's answer.
   *
   * @return the request's whole answer when this was its last item and nothing settled it before; the caller hands
   *     it to {@link #completion} ({@link Completions}); null otherwise
   */
  EmbedResult answer(int index, float[] v, int tokens, long queued, long compute, long expected, DeviceProvider p) {
    synchronized (this) {
      if (answered) return null;
      vectors[index] = v;
      tokenCounts[index] = tokens;
      queueNanos = Math.max(queueNanos, queued);
      if (compute >= computeNanos) {
        computeNanos = compute;
        expectedNanos = expected;
      }
      if (--remaining > 0) return null;
      answered = true;
    }
    return new EmbedResult(vectors, tokenCounts, queueNanos, computeNanos, p.device(), p.provider(), p.standIn(),
        expectedNanos);
  }

  /** Fails the request on {@link #completion}, unless it is settled already. */
  void fail(ExecutorException e) {
    synchronized (this) {
      if (answered) return;
      answered = true;
    }
    Completions.run(completion, () -> future.completeExceptionally(e));
  }
}
