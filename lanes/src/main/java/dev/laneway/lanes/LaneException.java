package dev.laneway.lanes;

import java.util.Locale;

/**
 * Why a lane did not answer. {@link #retryElsewhere()} says whether dispatch may try the next candidate (the lane is
 * unavailable, failed or full) or must give the error to the client (the request itself is at fault, or its time is
 * up). Which of these a lane's breaker counts is {@link GuardedLane}'s rule: only {@link DeviceFailed}, and a deadline
 * that passed while an execution overran.
 */
public abstract sealed class LaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String lane;

  LaneException(String lane, String message, Throwable cause) {
    super(message, cause, false, false);
    this.lane = lane;
  }

  public String lane() {
    return lane;
  }

  public abstract boolean retryElsewhere();

  /**
   * The lane cannot take work now, through no fault of its device: breaker open, shutting down, the model not loaded,
   * not ready. Not counted by the breaker.
   */
  public static final class Unavailable extends LaneException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String lane, String message, Throwable cause) {
      super(lane, message, cause);
    }

    @Override
    public boolean retryElsewhere() {
      return true;
    }
  }

  /**
   * The device or the node failed: an execution error, the device offline, an injected failure, a node that cannot be
   * reached, breaks the connection or answers malformed tensors. Counted by the breaker.
   */
  public static final class DeviceFailed extends LaneException {
    private static final long serialVersionUID = 1L;

    public DeviceFailed(String lane, String message, Throwable cause) {
      super(lane, message, cause);
    }

    @Override
    public boolean retryElsewhere() {
      return true;
    }
  }

  /**
   * The lane is full for the request's latency class, shed it to admit more urgent work, or has more work queued ahead
   * of it than its deadline leaves time for: load the lane shed, which the breaker never counts. Retry later (after
   * {@link #retryAfterNanos()}), or elsewhere.
   */
  public static final class QueueFull extends LaneException {
    private static final long serialVersionUID = 1L;

    /** What was full. */
    public enum Reason {
      /** The executor's queue: the class's share of {@code max_queue_size}. */
      QUEUE_FULL,
      /** The lane's in-flight gate: the class's share of {@code max_in_flight}. */
      IN_FLIGHT_FULL,
      /** Admitted, then dropped to make room for a more urgent class. */
      SHED,
      /** The work queued ahead would outlast the request's deadline. */
      WOULD_MISS_DEADLINE;

      /** The reason as metrics and error bodies name it. */
      public String wireName() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    private final Reason reason;
    private final long retryAfterNanos;

    public QueueFull(String lane, String message, Reason reason, long retryAfterNanos) {
      super(lane, message, null);
      this.reason = reason;
      this.retryAfterNanos = Math.max(0, retryAfterNanos);
    }

    public QueueFull(String lane, String message) {
      this(lane, message, Reason.QUEUE_FULL, 0);
    }

    public Reason reason() {
      return reason;
    }

    /** The lane's expected time to work off what is ahead of the request's class; 0 when unknown. */
    public long retryAfterNanos() {
      return retryAfterNanos;
    }

    @Override
    public boolean retryElsewhere() {
      return true;
    }
  }

  /**
   * The request's deadline passed in this lane: while queued (load; the usual case), or while its batch was executing
   * ({@link #executing()}), which the breaker counts when the execution overran (see
   * {@code BreakerSpec#overran}).
   */
  public static final class DeadlineExceeded extends LaneException {
    private static final long serialVersionUID = 1L;
    private final boolean executing;
    private final long executingNanos;
    private final long expectedNanos;

    public DeadlineExceeded(String lane, String message) {
      this(lane, message, false, 0, 0);
    }

    public DeadlineExceeded(String lane, String message, boolean executing, long executingNanos, long expectedNanos) {
      super(lane, message, null);
      this.executing = executing;
      this.executingNanos = executingNanos;
      this.expectedNanos = expectedNanos;
    }

    public boolean executing() {
      return executing;
    }

    public long executingNanos() {
      return executingNanos;
    }

    public long expectedNanos() {
      return expectedNanos;
    }

    @Override
    public boolean retryElsewhere() {
      return false;
    }
  }

  /**
   * The request cannot be served as sent (a text longer than the lane's static shapes allow): a client error, not
   * retried elsewhere.
   */
  public static final class InvalidInput extends LaneException {
    private static final long serialVersionUID = 1L;

    public InvalidInput(String lane, String message) {
      super(lane, message, null);
    }

    @Override
    public boolean retryElsewhere() {
      return false;
    }
  }
}
