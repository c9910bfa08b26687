package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import java.util.List;
import java.util.Map;

/**
 * One lane's health as the gateway reads it, through {@link Lane#health()}: whether routing should skip the lane, its
 * admission verdicts, its breaker (state, gauge code, recent transitions), the requests its gate has admitted, its
 * observed latency (the EWMA that orders candidates, the recent quantile hedging waits for), and the one action on it,
 * {@link #eject} (an active probe found the lane's node down). Routing's own {@code LaneHealth} is keyed by lane id;
 * the gateway implements it over these.
 *
 * <p>{@link GuardedLane} is the implementation; a lane without a guard (a bare lane in a test) reports
 * {@link #unguarded}: only its readiness, no breaker, nothing admitted, no latency yet, nothing to eject.
 *
 * <pre>{@code
 * String why = lane.health().unavailableReason();    // "breaker open", "not ready" or null
 * span.setAttribute("breaker.state", lane.health().breakerState());
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread; reads are a few atomic reads.
 */
public interface LaneHealth {
  /** Why routing should skip the lane now, or null: an open breaker, or not ready. A half-open lane takes probes. */
  String unavailableReason();

  /** Why admission refused the variant on this lane, or null when admitted (or never checked: general lanes). */
  String notAdmitted(String model, String variant);

  /**
   * Why the variant is demoted on this lane for drift (its shadow checks' mean cosine fell below its admission bound,
   * or too many answers failed the output check), or null when it is not; a lane without a guard never is.
   */
  default String drift(String model, String variant) {
    return null;
  }

  /** The admission verdicts by {@code model:variant}; empty when none were checked. */
  Map<ModelKey, Admission.Result> admission();

  /** {@code closed}, {@code half_open}, {@code open} (Resilience4j's states, lower-case); {@code none} without one. */
  String breakerState();

  /** 0 closed (or no breaker), 1 half-open, 2 open, as the {@code laneway.breaker.state} gauge reports it. */
  int breakerStateCode();

  /** The last breaker transitions, oldest first: {@code "open -> half_open @<epoch millis>"}. */
  List<String> breakerHistory();

  /** Requests inside the lane now, admitted by its gate and not yet answered (0 without a gate). */
  int admittedInFlight();

  /** Requests of one latency class inside the lane now (0 without a gate). */
  int admittedInFlight(String latencyClass);

  /** Observed latency of successful attempts, EWMA, in milliseconds; 0 before the first (or without a guard). */
  double ewmaMs();

  /**
   * The {@code quantile} of the lane's recent successful attempts in a latency class, submit to answer, in
   * nanoseconds; -1 while too few were seen (hedging waits for a number).
   */
  long recentLatencyNanos(String latencyClass, double quantile);

  /**
   * Ejects the lane now (opens its breaker), as an active health check does when the lane's node stops answering:
   * routing skips it until the breaker's {@code wait_in_open} lets it half-open and real calls decide. Does nothing
   * when the breaker is already open.
   *
   * @param reason why, for the log
   * @return true when this call opened the breaker
   */
  boolean eject(String reason);

  /** The health of a lane without a guard: readiness only. */
  static LaneHealth unguarded(Lane lane) {
    return new LaneHealth() {
      @Override
      public String unavailableReason() {
        return lane.ready() ? null : "not ready";
      }

      @Override
      public String notAdmitted(String model, String variant) {
        return null;
      }

      @Override
      public Map<ModelKey, Admission.Result> admission() {
        return Map.of();
      }

      @Override
      public String breakerState() {
        return "none";
      }

      @Override
      public int breakerStateCode() {
        return 0;
      }

      @Override
      public List<String> breakerHistory() {
        return List.of();
      }

      @Override
      public int admittedInFlight() {
        return 0;
      }

      @Override
      public int admittedInFlight(String latencyClass) {
        return 0;
      }

      @Override
      public double ewmaMs() {
        return 0;
      }

      @Override
      public long recentLatencyNanos(String latencyClass, double quantile) {
        return -1;
      }

      @Override
      public boolean eject(String reason) {
        return false;
      }
    };
  }
}
