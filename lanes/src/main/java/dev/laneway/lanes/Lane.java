package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.VariantSpec;
import java.util.concurrent.CompletableFuture;

/**
 * A route target. Implementations: {@link LocalLane}; {@code remote.RemoteLane} (gRPC to an executor node);
 * {@link GuardedLane} around either. What routing, dispatch, admin and metrics need of a lane's health and breaker is
 * {@link #health()}: no caller needs to know which implementation it holds.
 *
 * <p>{@link #infer} is called from any thread and never blocks; its future completes on a lane thread, with a
 * {@link LaneResult} or a {@link LaneException}. Cancelling that future hands the call back: the lane frees whatever
 * work of it is still queued.
 */
public interface Lane extends AutoCloseable {
  String id();

  LaneSpec spec();

  /** Whether this lane has the variant loaded (admitted and warm). */
  boolean serves(String model, String variant);

  /** Each device of the lane and the provider it runs on. */
  java.util.List<DeviceStatus> devices();

  /** Warm and taking work. */
  boolean ready();

  CompletableFuture<LaneResult> infer(LaneCall call);

  /** Texts accepted and not yet answered. */
  int inFlight();

  /**
   * The model variants this lane has loaded in this process (admitted or not: {@link #serves} says which take calls);
   * empty for a lane that computes elsewhere.
   */
  default java.util.Set<dev.laneway.base.ModelKey> models() {
    return java.util.Set.of();
  }

  /**
   * The exact tokens these texts cost with {@code model}'s tokenizer (any variant this lane loads: variants of a model
   * share it), or -1 when this lane has no tokenizer for it (a lane that computes elsewhere). Any thread.
   */
  default long countTokens(String model, java.util.List<String> texts) {
    return -1;
  }

  /** Texts this lane has computed in this process so far; 0 for a lane that computes elsewhere. */
  default long computedTexts() {
    return 0;
  }

  /**
   * The expected time, in nanoseconds, from submitting a call of this latency class with {@code texts} texts to its
   * answer: the work queued ahead of the class over the lane's measured throughput, plus the call's own compute;
   * excluding the network to the lane (routing adds the link's round-trip time). -1 when the lane cannot tell.
   * Called by routing on any thread; cheap (a few atomic reads).
   */
  default long expectedCompletionNanos(String latencyClass, int texts) {
    return -1;
  }

  /**
   * The waiting part of {@link #expectedCompletionNanos}: the work queued (and running) ahead of a call of this latency
   * class, in nanoseconds; 0 on an idle lane; -1 when the lane cannot tell. Routing judges saturation by it.
   */
  default long expectedWaitNanos(String latencyClass) {
    return -1;
  }

  /**
   * The lane's health: breaker, gate, admission verdicts, observed latency, and ejection. A {@link GuardedLane}
   * reports its guard's; any other lane {@link LaneHealth#unguarded} (its readiness alone).
   */
  default LaneHealth health() {
    return LaneHealth.unguarded(this);
  }

  /** Stops taking work, finishes what was accepted (up to the timeout), releases devices. */
  void drainAndClose(long timeoutMillis);

  @Override
  void close();

  /** The model variant's key as lanes and executors use it. */
  static ModelKey key(String model, VariantSpec variant) {
    return ModelKey.of(model, variant.name());
  }
}
