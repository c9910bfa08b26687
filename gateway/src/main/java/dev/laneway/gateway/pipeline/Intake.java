package dev.laneway.gateway.pipeline;

import dev.laneway.base.InFlight;
import java.time.Duration;

/**
 * The gateway's front gate: whether it takes new requests, and those it took and has not answered. Each door calls
 * {@link #accept} before it starts a request (false once draining: the door answers 503 at once) and the request's
 * completion releases it ({@link DoorReplies} does). SIGTERM's drain stops accepting, then waits for the count to
 * reach zero on the same {@link InFlight} gate the executors and remote lanes drain on, without polling.
 * Thread-safe.
 */
public final class Intake {
  private final InFlight inFlight = new InFlight();
  private volatile boolean draining;

  /** Counts a new request in, unless draining. */
  public boolean accept() {
    if (draining) return false;
    inFlight.enter();
    if (draining) { // drain began between the check and the count: the request is refused, not stranded
      inFlight.exit();
      return false;
    }
    return true;
  }

  /** A request accepted by {@link #accept} is answered (exactly once). */
  public void release() {
    inFlight.exit();
  }

  public boolean draining() {
    return draining;
  }

  /** Refuses every new request from now on. */
  public void stopAccepting() {
    draining = true;
  }

  /** Requests accepted and not yet answered. */
  public long inFlight() {
    return inFlight.count();
  }

  /** Waits until every accepted request is answered, or {@code timeout} passes; true when none is left. */
  public boolean awaitIdle(Duration timeout) {
    return inFlight.awaitZero(timeout.toMillis());
  }
}
