package dev.laneway.gateway.pipeline;

/**
 * How many hedges the gateway may send: a token bucket that earns {@code budget} credits per eligible request (capped
 * at {@code burst}) and spends one per hedge, so hedges never exceed {@code budget} × the eligible requests seen
 * (Envoy's retry budget, applied to hedges; "The Tail at Scale" keeps hedging to a few percent of requests). It
 * starts empty. Thread-safe (one monitor, held for a few arithmetic operations).
 */
public final class HedgeBudget {
  private double credits;
  private long eligible;
  private long spent;

  /** One request that could be hedged: earns its share. */
  synchronized void earn(double budget, int burst) {
    eligible++;
    credits = Math.min(burst, credits + budget);
  }

  /** Takes one hedge's worth, if there is one. */
  synchronized boolean trySpend() {
    if (credits < 1) return false;
    credits -= 1;
    spent++;
    return true;
  }

  synchronized long eligible() {
    return eligible;
  }

  synchronized long spent() {
    return spent;
  }
}
