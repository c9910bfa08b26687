package dev.laneway.routing;

/**
 * A lane to try, with the variant to run there.
 *
 * @param degraded not the request's first choice (another region, a substitute variant, or a spill)
 * @param estimateMs the lane's expected completion time plus the link's round-trip time from the client's region, in
 *     milliseconds, as the router ordered by it; {@link Double#NaN} when the lane's estimate is unknown
 */
public record Candidate(String lane, String region, String variant, boolean degraded, double estimateMs) {
  /** A candidate without an estimate ({@link Double#NaN}). */
  public Candidate(String lane, String region, String variant, boolean degraded) {
    this(lane, region, variant, degraded, Double.NaN);
  }
}
