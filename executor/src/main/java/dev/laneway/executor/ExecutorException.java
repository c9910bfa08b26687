package dev.laneway.executor;

/**
 * Why the executor did not compute a request. Cheap to create (no stack trace) on the hot-path kinds. The caller that
 * submitted owns the request again when one of these completes its future.
 */
public abstract sealed class ExecutorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ExecutorException(String message, boolean stackTrace, Throwable cause) {
    super(message, cause, false, stackTrace);
  }

  /**
   * The lane cannot take the request now: its class's share of the queue is full, it was shed to admit more urgent
   * work, or the work queued ahead of it would outlast its deadline. Retry later (after {@link #retryAfterNanos()}),
   * or elsewhere. Load the lane shed, never a device fault.
   */
  public static final class QueueFull extends ExecutorException {
    private static final long serialVersionUID = 1L;

    /** Why the request was refused. */
    public enum Reason {
      /** Its class's share of {@code max_queue_size} is held. */
      FULL,
      /** It was queued, and dropped to make room for more urgent work. */
      SHED,
      /** The work queued ahead of it would outlast its deadline. */
      DEADLINE;

      public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    private final Reason reason;
    private final long retryAfterNanos;

    public QueueFull(String message, Reason reason, long retryAfterNanos) {
      super(message, false, null);
      this.reason = reason;
      this.retryAfterNanos = Math.max(0, retryAfterNanos);
    }

    public QueueFull(String message) {
      this(message, Reason.FULL, 0);
    }

    public Reason reason() {
      return reason;
    }

    /** The lane's expected time to work off what is queued ahead of the request's class; 0 when unknown. */
    public long retryAfterNanos() {
      return retryAfterNanos;
    }
  }

  /**
   * The request's deadline passed before its items were computed: while queued (the usual case: load, not the device),
   * or while its batch was executing ({@link #executing()}; the execution took {@link #executingNanos()} where the lane
   * expected {@link #expectedNanos()} for that batch shape).
   */
  public static final class DeadlineExceeded extends ExecutorException {
    private static final long serialVersionUID = 1L;
    private final boolean executing;
    private final long executingNanos;
    private final long expectedNanos;

    public DeadlineExceeded(String message) {
      this(message, false, 0, 0);
    }

    public DeadlineExceeded(String message, boolean executing, long executingNanos, long expectedNanos) {
      super(message, false, null);
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
  }

  /** The executor is shutting down, or closed, and takes no new work. */
  public static final class ShuttingDown extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public ShuttingDown(String message) {
      super(message, false, null);
    }
  }

  /** The model variant is not loaded on this executor. */
  public static final class UnknownModel extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public UnknownModel(String message) {
      super(message, false, null);
    }
  }

  /**
   * A text is longer than the lane's largest static sequence length (static shapes cannot truncate silently): the
   * request is at fault, not the lane; a client error.
   */
  public static final class InputTooLong extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public InputTooLong(String message) {
      super(message, false, null);
    }
  }

  /** ONNX Runtime or the device failed while running a batch: a device error, which breakers count. */
  public static final class ExecutionFailed extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public ExecutionFailed(String message, Throwable cause) {
      super(message, true, cause);
    }
  }
}
