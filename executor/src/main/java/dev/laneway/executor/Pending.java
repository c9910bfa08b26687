package dev.laneway.executor;

import java.util.concurrent.CompletableFuture;

/**
 * A request being answered: collects its items' vectors and completes its future once all are in, in text order.
 *
 * <p>Threads: created by the submitter; {@link #complete} is called by instance threads (each item once), {@link #fail}
 * by whichever thread drops the request or one of its items (the first completion wins, later ones are no-ops).
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
  private final float[][] vectors;
  private final int[] tokenCounts;
  /** Set under the queue lock once the items are queued. */
  boolean queued;
  private int remaining;
  private long queueNanos;
  private long computeNanos;
  private long expectedNanos;

  Pending(EmbedRequest request, long submittedNanos, long sequence) {
    this.request = request;
    this.keyName = request.modelKey().toString();
    this.submittedNanos = submittedNanos;
    this.sequence = sequence;
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

  /** One item's answer; the last one completes the future. */
  void complete(int index, float[] v, int tokens, long queued, long compute, long expected, DeviceProvider p) {
    boolean done;
    synchronized (this) {
      vectors[index] = v;
      tokenCounts[index] = tokens;
      queueNanos = Math.max(queueNanos, queued);
      if (compute >= computeNanos) {
        computeNanos = compute;
        expectedNanos = expected;
      }
      done = --remaining == 0;
    }
    if (done) {
      future.complete(new EmbedResult(vectors, tokenCounts, queueNanos, computeNanos, p.device(), p.provider(),
          p.standIn(), expectedNanos));
    }
  }

  void fail(ExecutorException e) {
    future.completeExceptionally(e);
  }
}
