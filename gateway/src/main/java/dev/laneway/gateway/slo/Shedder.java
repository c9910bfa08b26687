package dev.laneway.gateway.slo;

/**
 * The shedding decision, a pure function of the protected objective's burn rate, the traffic behind it, the previous
 * state and the clock ({@link #next}). Levels: {@code 0} admit every class, {@code 1} shed batch, {@code 2} shed batch
 * and standard; interactive is never shed by this (it is what shedding protects).
 *
 * <p>Up at once, down slowly: a burn above {@code batch_above} (or {@code standard_above}) raises the level on the
 * next decision; the level comes down one step only after the burn has stayed below {@code recover_below} for
 * {@code hold}, and every reading at or above {@code recover_below} restarts that wait. A window with fewer than
 * {@code min_requests} counted events reads as not burning (a quiet minute with one slow request sheds nothing).
 */
public final class Shedder {
  private Shedder() {}

  /**
   * Where shedding stands.
   *
   * @param level 0, 1 (batch) or 2 (batch and standard)
   * @param calmSinceNanos when the burn fell below {@code recover_below}, or {@link Long#MIN_VALUE} while it is not
   */
  public record State(int level, long calmSinceNanos) {
    public static final State NONE = new State(0, Long.MIN_VALUE);

    /** Whether this level refuses the class. */
    public boolean sheds(String latencyClass) {
      return switch (latencyClass) {
        case "batch" -> level >= 1;
        case "standard" -> level >= 2;
        default -> false;
      };
    }

    /** {@code none}, {@code batch} or {@code batch+standard}: what is shed, for explain, logs and the status page. */
    public String describe() {
      return level == 0 ? "none" : level == 1 ? "batch" : "batch+standard";
    }
  }

  /** The state after reading {@code burn} over {@code total} counted events at {@code nowNanos}. */
  public static State next(State s, double burn, long total, SloSpec.Shedding cfg, long nowNanos) {
    double b = total < cfg.minRequests() ? 0 : burn;
    int wanted = b > cfg.standardAbove() ? 2 : b > cfg.batchAbove() ? 1 : 0;
    if (wanted > s.level()) return new State(wanted, Long.MIN_VALUE);
    if (s.level() == 0) return State.NONE;
    boolean calm = cfg.recoverBelow() > 0 ? b < cfg.recoverBelow() : b == 0;
    if (!calm) return s.calmSinceNanos() == Long.MIN_VALUE ? s : new State(s.level(), Long.MIN_VALUE);
    if (s.calmSinceNanos() == Long.MIN_VALUE) return new State(s.level(), nowNanos);
    if (nowNanos - s.calmSinceNanos() >= cfg.hold().toNanos()) {
      return s.level() == 1 ? State.NONE : new State(s.level() - 1, nowNanos);
    }
    return s;
  }
}
