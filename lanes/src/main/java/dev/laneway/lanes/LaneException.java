package dev.laneway.lanes;

/**
 * Why a lane did not answer. {@link #retryElsewhere()} says whether dispatch may try the next candidate (the lane is
 * unavailable or full) or must give the error to the client (the request itself is at fault, or its time is up).
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

  /** The lane cannot take work now: device offline, breaker open, failed execution, shutting down. */
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

  /** The lane's queue is full. */
  public static final class QueueFull extends LaneException {
    private static final long serialVersionUID = 1L;

    public QueueFull(String lane, String message) {
      super(lane, message, null);
    }

    @Override
    public boolean retryElsewhere() {
      return true;
    }
  }

  /** The request's deadline passed in this lane. */
  public static final class DeadlineExceeded extends LaneException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceeded(String lane, String message) {
      super(lane, message, null);
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
