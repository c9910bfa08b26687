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
 */
public record Decision(
    String rule, String model, String variant, List<Candidate> candidates, List<Skip> skipped, String tenant,
    String blockedBy) {
  public Decision {
    candidates = List.copyOf(candidates);
    skipped = List.copyOf(skipped);
  }
}
