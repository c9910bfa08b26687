package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.topology.LaneSpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A lane that joins after the process is ready: a specialised lane whose variants general lanes also serve, admitted
 * and warmed on a thread of its own once they are warm ({@link Lanes#start}). Until then it is not ready (routing skips
 * it as {@code not ready}), serves nothing and computes nothing; once its start finishes it forwards every call to the
 * started lane. A start that fails leaves it not ready, with the reason in the log and in {@link #state}.
 *
 * <p>Threads: {@link #run} starts the lane on the joining thread ({@link StartOrder#joinInOrder}); every other method
 * is called from any thread and never blocks. Closing before the start finishes closes the lane once it is started.
 */
final class JoiningLane implements Lane {
  private static final Logger LOG = Logger.getLogger(JoiningLane.class.getName());

  private final LaneSpec spec;
  private final CompletableFuture<Lane> started = new CompletableFuture<>();
  private volatile boolean closed;

  JoiningLane(LaneSpec spec) {
    this.spec = spec;
  }

  /** Starts the lane with {@code start} on the calling thread (the joining thread); it joins when this returns. */
  void run(Supplier<Lane> start) {
    try {
      Lane lane = start.get();
      started.complete(lane);
      if (closed) lane.close();
    } catch (RuntimeException e) {
      LOG.warning("lane " + spec.id() + " cannot join: " + e.getMessage());
      started.completeExceptionally(e);
    }
  }

  /** The started lane, or null while it starts (or when its start failed). */
  private Lane lane() {
    return started.isDone() && !started.isCompletedExceptionally() ? started.join() : null;
  }

  /** {@code joining}, {@code joined} or {@code failed: <reason>}. */
  String state() {
    if (!started.isDone()) return "joining";
    if (started.isCompletedExceptionally()) {
      return "failed: " + started.handle((l, e) -> e.getMessage()).join();
    }
    return "joined";
  }

  /** Completes when the lane has joined (or failed to). */
  CompletableFuture<Lane> joined() {
    return started.copy();
  }

  @Override
  public String id() {
    return spec.id();
  }

  @Override
  public LaneSpec spec() {
    return spec;
  }

  @Override
  public boolean serves(String model, String variant) {
    Lane l = lane();
    return l != null && l.serves(model, variant);
  }

  @Override
  public List<DeviceStatus> devices() {
    Lane l = lane();
    return l == null ? List.of() : l.devices();
  }

  @Override
  public boolean ready() {
    Lane l = lane();
    return l != null && !closed && l.ready();
  }

  @Override
  public CompletableFuture<LaneResult> infer(LaneCall call) {
    Lane l = lane();
    if (l == null) {
      return CompletableFuture.failedFuture(new LaneException.Unavailable(spec.id(), spec.id() + " is " + state(),
          null));
    }
    return l.infer(call);
  }

  @Override
  public int inFlight() {
    Lane l = lane();
    return l == null ? 0 : l.inFlight();
  }

  @Override
  public Set<ModelKey> models() {
    Lane l = lane();
    return l == null ? Set.of() : l.models();
  }

  @Override
  public long countTokens(String model, List<String> texts) {
    Lane l = lane();
    return l == null ? -1 : l.countTokens(model, texts);
  }

  @Override
  public long computedTexts() {
    Lane l = lane();
    return l == null ? 0 : l.computedTexts();
  }

  @Override
  public long expectedCompletionNanos(String latencyClass, int texts) {
    Lane l = lane();
    return l == null ? -1 : l.expectedCompletionNanos(latencyClass, texts);
  }

  @Override
  public long expectedWaitNanos(String latencyClass) {
    Lane l = lane();
    return l == null ? -1 : l.expectedWaitNanos(latencyClass);
  }

  @Override
  public LaneHealth health() {
    Lane l = lane();
    return l == null ? LaneHealth.unguarded(this) : l.health();
  }

  @Override
  public void drainAndClose(long timeoutMillis) {
    closed = true;
    Lane l = lane();
    if (l != null) l.drainAndClose(timeoutMillis);
  }

  @Override
  public void close() {
    closed = true;
    Lane l = lane();
    if (l != null) l.close();
  }
}
