package dev.laneway.executor;

import java.util.concurrent.atomic.AtomicLong;

/** Counters one executor keeps: inference count vs execution count (as Triton's), rejections and expiries. */
public final class ExecutorStats {
  final AtomicLong inferences = new AtomicLong();
  final AtomicLong executions = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong expired = new AtomicLong();
  final AtomicLong failedBatches = new AtomicLong();

  void recordBatch(int size) {
    inferences.addAndGet(size);
    executions.incrementAndGet();
  }

  /** Items computed. */
  public long inferenceCount() {
    return inferences.get();
  }

  /** Batches run. */
  public long executionCount() {
    return executions.get();
  }

  public long rejectedCount() {
    return rejected.get();
  }

  public long expiredCount() {
    return expired.get();
  }

  public long failedBatchCount() {
    return failedBatches.get();
  }
}
