package dev.laneway.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters one executor keeps for in-process readers (tests, the benchmark, health): inference count vs execution
 * count (as Triton's), drops by reason, the longest batch execution, tokens served per tenant. The exported metrics
 * are recorded separately, through OpenTelemetry ({@code laneway.*} in {@link ExecutorTelemetry}). Thread-safe.
 */
public final class ExecutorStats {
  final AtomicLong inferences = new AtomicLong();
  final AtomicLong executions = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong expired = new AtomicLong();
  final AtomicLong cancelled = new AtomicLong();
  final AtomicLong shed = new AtomicLong();
  final AtomicLong failedBatches = new AtomicLong();
  final AtomicLong oomSplits = new AtomicLong();
  final AtomicLong maxExecNanos = new AtomicLong();
  final AtomicLong realTokens = new AtomicLong();
  final AtomicLong paddedTokens = new AtomicLong();
  final AtomicLong computeNanos = new AtomicLong();
  /** Tenant → tokens served; at most {@link #MAX_TENANTS} keys, the rest counted under {@link #OTHER_TENANTS}. */
  private final ConcurrentHashMap<String, AtomicLong> servedTokens = new ConcurrentHashMap<>();

  /** Tenants counted by name in {@link #servedTokens()}; beyond them, tokens go to {@link #OTHER_TENANTS}. */
  public static final int MAX_TENANTS = 1000;

  /** The key under which tenants beyond {@link #MAX_TENANTS} are counted together. */
  public static final String OTHER_TENANTS = "(other)";

  void recordBatch(int size, long execNanos, int real, long padded) {
    inferences.addAndGet(size);
    executions.incrementAndGet();
    maxExecNanos.accumulateAndGet(execNanos, Math::max);
    computeNanos.addAndGet(execNanos);
    realTokens.addAndGet(real);
    paddedTokens.addAndGet(padded);
  }

  /** An item of {@code tenant} charged {@code tokens} was computed. */
  void served(String tenant, int tokens) {
    AtomicLong n = servedTokens.get(tenant);
    if (n == null) {
      String key = servedTokens.size() < MAX_TENANTS ? tenant : OTHER_TENANTS; // racy by a few keys at most: bounded
      n = servedTokens.computeIfAbsent(key, k -> new AtomicLong());
    }
    n.addAndGet(tokens);
  }

  /**
   * Tokens computed for {@code tenant} so far, as fair queueing charges them: each item's padded length (its own
   * length rounded up as the lane pads it). 0 for a tenant never served; {@link EmbedRequest#ANONYMOUS} for requests
   * that name none.
   */
  public long servedTokens(String tenant) {
    AtomicLong n = servedTokens.get(tenant);
    return n == null ? 0 : n.get();
  }

  /** Every tenant's {@link #servedTokens(String)}, a snapshot: at most {@link #MAX_TENANTS} (+ 1) entries. */
  public Map<String, Long> servedTokens() {
    Map<String, Long> out = new java.util.HashMap<>();
    servedTokens.forEach((k, v) -> out.put(k, v.get()));
    return Map.copyOf(out);
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

  /** Batches split in two after failing to allocate on their device ({@link DeviceMemory}). */
  public long oomSplitCount() {
    return oomSplits.get();
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
