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

  /** The queue holds max_queue_size items already. Retry later, or elsewhere. */
  public static final class QueueFull extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public QueueFull(String message) {
      super(message, false, null);
    }
  }

  /** The request's deadline passed before its items were computed. */
  public static final class DeadlineExceeded extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceeded(String message) {
      super(message, false, null);
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
