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
 * is called from any thread and never blocks, but for closing. A lane closed before its start began never starts;
 * closing while it starts waits (bounded) for the start to finish, then closes it: its sessions run warm-up batches in
 * native code until then, and a process that closed or exited under them could crash (a SIGTERM just after ready did,
 * once in a few starts, in ONNX Runtime's run). A start that outlasts the wait is closed when it finishes.
 */
final class JoiningLane implements Lane {
  private static final Logger LOG = Logger.getLogger(JoiningLane.class.getName());

  private final LaneSpec spec;
  /** How long {@link #close} waits for a start under way (a drain waits its own timeout). */
  static final long CLOSE_WAIT_MILLIS = 30_000;

  private final CompletableFuture<Lane> started = new CompletableFuture<>();
  private volatile boolean closed;
  private volatile boolean starting;
  /** A closer stopped waiting for the start: {@link #run} closes the lane (guarded by this). */
  private boolean abandoned;

  JoiningLane(LaneSpec spec) {
    this.spec = spec;
  }

  /**
   * Starts the lane with {@code start} on the calling thread (the joining thread); it joins when this returns. Returns
   * false, starting nothing, when the lane was closed first.
   */
  boolean run(Supplier<Lane> start) {
    synchronized (this) {
      if (closed) {
        started.completeExceptionally(new IllegalStateException("closed before it joined"));
        return false;
      }
      starting = true;
    }
    try {
      Lane lane = start.get();
      boolean closeHere;
      synchronized (this) {
        started.complete(lane);
        closeHere = abandoned;
      }
      if (closeHere) lane.close();
    } catch (RuntimeException e) {
      LOG.warning("lane " + spec.id() + " cannot join: " + e.getMessage());
      started.completeExceptionally(e);
    }
    return true;
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
    long left = awaitStart(timeoutMillis);
    Lane l = lane();
    if (l != null) l.drainAndClose(left);
  }

  @Override
  public void close() {
    awaitStart(CLOSE_WAIT_MILLIS);
    Lane l = lane();
    if (l != null) l.close();
  }

  /**
   * Stops a start that has not begun and waits up to {@code timeoutMillis} for one under way; returns what is left of
   * the wait. When the start outlasts it, {@link #run} closes the lane once started.
   */
  long awaitStart(long timeoutMillis) {
    boolean wait;
    synchronized (this) {
      closed = true;
      wait = starting;
    }
    if (!wait) {
      started.completeExceptionally(new IllegalStateException("closed before it joined"));
      return timeoutMillis;
    }
    long t0 = System.nanoTime();
    try {
      started.get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      synchronized (this) {
        if (!started.isDone()) abandoned = true;
      }
      LOG.warning("lane " + spec.id() + " still starting after " + timeoutMillis
          + " ms of closing; it closes when its start finishes");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // a failed start has nothing to close
    }
    return Math.max(0, timeoutMillis - (System.nanoTime() - t0) / 1_000_000);
  }
}
