package dev.laneway.executor;

/**
 * What computing costs on one lane, learned from the batches it runs: a batch of {@code x} padded tokens takes
 * {@code a + b·x} nanoseconds, {@code a} the fixed cost of a call and {@code b} the cost of a token, fitted by least
 * squares over the recent batches (each batch's weight decays by {@value #DECAY} per newer one, so about the last 20
 * count). With every recent batch of one size the two cannot be told apart and {@code b} is the plain ratio. Routing's
 * expected completion time, the executor's deadline check and the breaker's overrun rule read it. It is seeded from
 * two timed warm-up batches of different sizes, so it is never empty once the lane is ready, and an idle lane's
 * estimate is a small batch's cost, not the last busy period's.
 *
 * <p>Thread-safe: {@link #record} is called by instance threads after each batch, under this object's monitor;
 * readers on any thread see the latest fit without locking (volatile doubles; a reader may combine two neighbouring
 * fits, which an estimate tolerates).
 */
final class CostModel {
  static final double DECAY = 0.95;
  private static final double ALPHA = 0.2;

  private double s1;
  private double sx;
  private double sy;
  private double sxx;
  private double sxy;
  private volatile double fixedNanos;
  private volatile double nanosPerToken;
  private volatile double rowsPerBatch;
  private volatile double tokensPerItem;

  /** One batch: {@code items} items padded to {@code paddedTokens} (rows x length) computed in {@code nanos}. */
  synchronized void record(int items, long paddedTokens, long nanos) {
    if (items < 1 || paddedTokens < 1 || nanos < 1) return;
    double x = paddedTokens;
    double y = nanos;
    s1 = s1 * DECAY + 1;
    sx = sx * DECAY + x;
    sy = sy * DECAY + y;
    sxx = sxx * DECAY + x * x;
    sxy = sxy * DECAY + x * y;
    double den = s1 * sxx - sx * sx;
    double a = 0;
    double b = sy / sx;
    if (den > 1e-6 * s1 * sxx) { // batches of different sizes: fit both
      double slope = (s1 * sxy - sx * sy) / den;
      double intercept = (sy - slope * sx) / s1;
      if (slope > 0 && intercept >= 0) {
        a = intercept;
        b = slope;
      }
    }
    fixedNanos = a;
    nanosPerToken = b;
    rowsPerBatch = rowsPerBatch == 0 ? items : rowsPerBatch + ALPHA * (items - rowsPerBatch);
    double tokens = x / items;
    tokensPerItem = tokensPerItem == 0 ? tokens : tokensPerItem + ALPHA * (tokens - tokensPerItem);
  }

  /** Expected compute of one batch of {@code paddedTokens} padded tokens (rows x length); 0 before the first batch. */
  long nanosFor(long paddedTokens) {
    return nanosPerToken == 0 ? 0 : (long) (fixedNanos + nanosPerToken * paddedTokens);
  }

  /**
   * What one queued item of {@code paddedTokens} padded tokens adds to the work ahead: its tokens, and its share of
   * a call's fixed cost at the batch sizes seen lately.
   */
  long itemNanos(double paddedTokens) {
    return (long) (nanosPerToken * paddedTokens + fixedNanos / Math.max(1, rowsPerBatch));
  }

  /** Expected compute of a batch of {@code texts} typical items (a request on an idle lane). */
  long batchOf(int texts) {
    return nanosFor((long) Math.ceil(texts * tokensPerItem));
  }

  /** What an item of typical length adds to the work ahead. */
  long typicalItemNanos() {
    return itemNanos(tokensPerItem);
  }

  double nanosPerToken() {
    return nanosPerToken;
  }

  double fixedNanos() {
    return fixedNanos;
  }
}
