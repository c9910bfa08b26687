package dev.laneway.executor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters one executor keeps for in-process readers (tests, the benchmark, health): inference count vs execution
 * count (as Triton's), drops by reason, the longest batch execution. The exported metrics are recorded separately,
 * through OpenTelemetry ({@code laneway.*} in {@link ExecutorTelemetry}). Thread-safe.
 */
public final class ExecutorStats {
  final AtomicLong inferences = new AtomicLong();
  final AtomicLong executions = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong expired = new AtomicLong();
  final AtomicLong cancelled = new AtomicLong();
  final AtomicLong shed = new AtomicLong();
  final AtomicLong failedBatches = new AtomicLong();
  final AtomicLong maxExecNanos = new AtomicLong();
  final AtomicLong realTokens = new AtomicLong();
  final AtomicLong paddedTokens = new AtomicLong();
  final AtomicLong computeNanos = new AtomicLong();

  void recordBatch(int size, long execNanos, int real, long padded) {
    inferences.addAndGet(size);
    executions.incrementAndGet();
    maxExecNanos.accumulateAndGet(execNanos, Math::max);
    computeNanos.addAndGet(execNanos);
    realTokens.addAndGet(real);
    paddedTokens.addAndGet(padded);
  }

  /** Items computed. */
  public long inferenceCount() {
    return inferences.get();
  }

  /** Batches run. */
  public long executionCount() {
    return executions.get();
  }

  /** Items refused because the queue was full. */
  public long rejectedCount() {
    return rejected.get();
  }

  /** Items dropped because their deadline passed before compute. */
  public long expiredCount() {
    return expired.get();
  }

  /** Items freed because their request was cancelled. */
  public long cancelledCount() {
    return cancelled.get();
  }

  /** Items dropped from the queue to admit more urgent work. */
  public long shedCount() {
    return shed.get();
  }

  public long failedBatchCount() {
    return failedBatches.get();
  }

  /** The longest batch execution so far. */
  public long maxExecNanos() {
    return maxExecNanos.get();
  }

  /**
   * Time spent computing batches, summed over instances (as Triton's {@code compute_infer} duration): over
   * {@code instances x elapsed} it is how busy the instances were.
   */
  public long computeNanos() {
    return computeNanos.get();
  }

  /** Real tokens / computed tokens over every batch so far (1 when none ran). */
  public double paddingEfficiency() {
    long p = paddedTokens.get();
    return p == 0 ? 1 : (double) realTokens.get() / p;
  }

  /** Zeroes the peak (the benchmark measures one phase at a time). */
  public void resetMaxExec() {
    maxExecNanos.set(0);
  }
}
