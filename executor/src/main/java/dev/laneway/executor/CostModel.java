package dev.laneway.executor;

/**
 * What computing costs on one lane, learned from the batches it runs: nanoseconds per padded token (a decayed ratio of
 * compute time to padded tokens, so large batches weigh more than small ones, as under load), the time of one batch
 * and of one item (EWMAs). Routing's expected completion time, the executor's deadline check and the breaker's
 * overrun rule read it; it is seeded from a timed warm-up batch, so it is never empty once the lane is ready.
 *
 * <p>Thread-safe: {@link #record} is called by instance threads after each batch; readers on any thread see the
 * latest values without locking (each field is one volatile double; a reader may see the fields of two neighbouring
 * updates, which an estimate tolerates).
 */
final class CostModel {
  /** Weight kept per new batch in the per-token ratio (about the last 20 batches count). */
  private static final double DECAY = 0.95;
  private static final double ALPHA = 0.2;

  private double nanosSum;
  private double tokensSum;
  private volatile double nanosPerToken;
  private volatile double batchNanos;
  private volatile double itemNanos;
  private volatile double tokensPerItem;

  /** One batch: {@code items} items padded to {@code paddedTokens} (rows x length) computed in {@code nanos}. */
  synchronized void record(int items, long paddedTokens, long nanos) {
    if (items < 1 || paddedTokens < 1 || nanos < 1) return;
    nanosSum = nanosSum * DECAY + nanos;
    tokensSum = tokensSum * DECAY + paddedTokens;
    nanosPerToken = nanosSum / tokensSum;
    batchNanos = batchNanos == 0 ? nanos : batchNanos + ALPHA * (nanos - batchNanos);
    double perItem = (double) nanos / items;
    itemNanos = itemNanos == 0 ? perItem : itemNanos + ALPHA * (perItem - itemNanos);
    double tokens = (double) paddedTokens / items;
    tokensPerItem = tokensPerItem == 0 ? tokens : tokensPerItem + ALPHA * (tokens - tokensPerItem);
  }

  /** Expected compute for {@code paddedTokens} padded tokens; 0 before the first batch. */
  long nanosFor(long paddedTokens) {
    return (long) (nanosPerToken * paddedTokens);
  }

  double nanosPerToken() {
    return nanosPerToken;
  }

  /** The time of one batch, as batches have been lately; 0 before the first. */
  long batchNanos() {
    return (long) batchNanos;
  }

  /** The compute one item has taken lately (batch time / items); 0 before the first batch. */
  long itemNanos() {
    return (long) itemNanos;
  }

  /** Padded tokens per item lately. */
  double tokensPerItem() {
    return tokensPerItem;
  }
}
