package dev.laneway.observability;

import java.util.Collection;
import java.util.Set;

/**
 * A bounded set of values for one metric label. Metric labels built from request data (a model name, a version, a
 * region a client claims) go through one of these, so that a request can never create a new time series: a value
 * outside the set is recorded as {@link #UNKNOWN}. Sets come from the topology or the code (lanes, models, reasons),
 * never from traffic.
 *
 * <pre>{@code
 * Labels models = Labels.of(topology.models().stream().map(ModelSpec::name).toList());
 * requests.add(1, Attributes.of(MODEL, models.bound(call.model())));   // "no-such-model" → "unknown"
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Labels {
  /** What a value outside the set is recorded as. */
  public static final String UNKNOWN = "unknown";

  private final Set<String> known;

  private Labels(Set<String> known) {
    this.known = known;
  }

  /** The known values; {@code unknown} is always allowed too. */
  public static Labels of(Collection<String> known) {
    return new Labels(Set.copyOf(known));
  }

  /** {@code value} when it is known, else {@link #UNKNOWN} (also for null). */
  public String bound(String value) {
    return value != null && known.contains(value) ? value : UNKNOWN;
  }

  /** The known values (without {@code unknown}). */
  public Set<String> values() {
    return known;
  }

  @Override
  public String toString() {
    return "Labels" + known;
  }
}
