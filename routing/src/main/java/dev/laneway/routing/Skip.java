package dev.laneway.routing;

import java.util.Locale;

/**
 * A lane that was not a candidate: why, as a kind code can act on, and as a sentence for people.
 *
 * @param kind what kept the lane out
 * @param reason the sentence: {@code residency: tenant hk-bank stays in hk}, {@code breaker open}, …
 */
public record Skip(String lane, Kind kind, String reason) {
  /** What kept a lane out of the candidates. */
  public enum Kind {
    /** The lane serves no variant of the model (another embedding space): hard. */
    SPACE,
    /** The variant does not run on the lane's class, or the lane's admission refused it. */
    NOT_ADMITTED,
    /** The tenant's residency keeps its traffic out of the lane's region: hard. */
    RESIDENCY,
    /**
     * The lane is demoted for the variant: its answers drifted from the reference variant's (shadow checks) or failed
     * the output check too often; re-admitted when a full window of checks recovers.
     */
    DRIFT,
    /** The lane cannot take work now (breaker open, not ready). */
    UNAVAILABLE,
    /** The matched rule did not select it. */
    NOT_SELECTED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
