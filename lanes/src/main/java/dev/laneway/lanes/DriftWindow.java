package dev.laneway.lanes;

/**
 * One lane's drift state for one model variant: the cosines of its last {@code window} shadow checks against the
 * reference variant, the sanity outcomes of its last {@code window} attempts, and whether it is demoted (and whether
 * an operator pinned that). Count-based like the breaker's window, so it needs no clock.
 *
 * <p>The rule ({@link #check}, {@link #sanity}): demoted when a full window of checks has a mean cosine below
 * {@code bound} (the lane's admission {@code min_cosine}; 0: never on cosine), or when more than
 * {@code maxFailureRate} of a full window of attempts failed the output check. On demotion both windows start again,
 * from the trickle of checks that continue on the demoted lane; re-admitted once a full window of checks taken since
 * has a mean at or above the bound and none of them failed the output check. A pinned state holds until cleared.
 *
 * <p>Thread-safe (synchronized: a few updates per shadow check, off the client's path).
 */
final class DriftWindow {
  /** What a check or an attempt changed: nothing, a demotion or a re-admission. */
  enum Change { NONE, DEMOTED, READMITTED }

  /** An operator's pin: none (automatic), held demoted, or held admitted. */
  enum Pin { NONE, DEMOTED, ADMITTED }

  private final int window;
  private final double bound;
  private final double maxFailureRate;
  private final double[] cosines;
  private final boolean[] failed;
  private int cosineCount;
  private int cosineNext;
  private double cosineSum;
  private int attempts;
  private int attemptNext;
  private int failures;
  private int failedSinceDemotion;
  private long checks;
  private long checksSinceDemotion;
  private boolean demoted;
  private String reason;
  private Pin pin = Pin.NONE;

  DriftWindow(int window, double bound, double maxFailureRate) {
    if (window < 1) throw new IllegalArgumentException("window: " + window + " (expected: >= 1)");
    this.window = window;
    this.bound = bound;
    this.maxFailureRate = maxFailureRate;
    this.cosines = new double[window];
    this.failed = new boolean[window];
  }

  /** Records one shadow check's cosine (a check whose answer failed the output check records 0). */
  synchronized Change check(double cosine) {
    if (cosineCount == window) cosineSum -= cosines[cosineNext];
    else cosineCount++;
    cosines[cosineNext] = cosine;
    cosineSum += cosine;
    cosineNext = (cosineNext + 1) % window;
    checks++;
    if (demoted) {
      checksSinceDemotion++;
      if (pin == Pin.NONE && checksSinceDemotion >= window && failedSinceDemotion == 0 && mean() >= bound) {
        demoted = false;
        reason = null;
        return Change.READMITTED;
      }
      return Change.NONE;
    }
    if (pin == Pin.NONE && bound > 0 && cosineCount == window && mean() < bound) {
      return demote(String.format("mean cosine vs the reference %.4f < %.4f over the last %d shadow checks", mean(),
          bound, window));
    }
    return Change.NONE;
  }

  /** Records one attempt's output check. */
  synchronized Change sanity(boolean ok) {
    if (attempts == window) {
      if (failed[attemptNext]) failures--;
    } else {
      attempts++;
    }
    failed[attemptNext] = !ok;
    if (!ok) failures++;
    attemptNext = (attemptNext + 1) % window;
    if (demoted) {
      if (!ok) failedSinceDemotion++;
      return Change.NONE;
    }
    if (pin == Pin.NONE && attempts == window && failures > maxFailureRate * window) {
      return demote(String.format("%d of the last %d answers failed the output check (more than %.1f%%)", failures,
          window, maxFailureRate * 100));
    }
    return Change.NONE;
  }

  private Change demote(String why) {
    demoted = true;
    reason = why;
    checksSinceDemotion = 0;
    failedSinceDemotion = 0;
    resetWindows();
    return Change.DEMOTED;
  }

  private void resetWindows() {
    cosineCount = 0;
    cosineNext = 0;
    cosineSum = 0;
    attempts = 0;
    attemptNext = 0;
    failures = 0;
    java.util.Arrays.fill(failed, false);
  }

  /** Holds the lane demoted or admitted until {@link #unpin}; the windows keep recording. */
  synchronized void pin(boolean demote) {
    pin = demote ? Pin.DEMOTED : Pin.ADMITTED;
    demoted = demote;
    reason = demote ? "demoted by an operator" : null;
    checksSinceDemotion = 0;
    failedSinceDemotion = 0;
  }

  /** Back to automatic: admitted, both windows empty. */
  synchronized void unpin() {
    pin = Pin.NONE;
    demoted = false;
    reason = null;
    resetWindows();
  }

  /** Why routing skips the variant on this lane, or null when it does not. */
  synchronized String demotedReason() {
    return demoted ? reason : null;
  }

  /** The mean cosine of the checks in the window; NaN before the first. */
  synchronized double mean() {
    return cosineCount == 0 ? Double.NaN : cosineSum / cosineCount;
  }

  /** A consistent copy for admin and metrics. */
  synchronized DriftState snapshot(String lane, dev.laneway.base.ModelKey key) {
    return new DriftState(lane, key.model(), key.variant(), demoted, reason,
        pin.name().toLowerCase(java.util.Locale.ROOT), cosineCount == 0 ? Double.NaN : cosineSum / cosineCount,
        cosineCount, checks, attempts, failures, bound, window);
  }
}
