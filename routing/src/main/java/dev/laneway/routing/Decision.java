package dev.laneway.routing;

import java.util.List;

/**
 * The result of routing one request.
 *
 * @param rule the rule that matched
 * @param variant the variant the request asked for (or the model's default)
 * @param candidates lanes to try, in order
 * @param skipped every other lane, with its reason
 * @param tenant the tenant's id
 * @param blockedBy when there are no candidates because of a hard constraint: {@code residency} or {@code space};
 *     else null
 * @param spill when the preferred lane's estimate made the router put the next candidate first: which lanes and why;
 *     else null
 */
public record Decision(
    String rule, String model, String variant, List<Candidate> candidates, List<Skip> skipped, String tenant,
    String blockedBy, Spill spill) {
  public Decision {
    candidates = List.copyOf(candidates);
    skipped = List.copyOf(skipped);
  }

  /** A decision without a spill. */
  public Decision(
      String rule, String model, String variant, List<Candidate> candidates, List<Skip> skipped, String tenant,
      String blockedBy) {
    this(rule, model, variant, candidates, skipped, tenant, blockedBy, null);
  }
}
