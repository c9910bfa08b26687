package dev.laneway.routing;

import java.util.List;

/**
 * The result of routing one request.
 *
 * @param rule the rule that matched
 * @param variant the variant the request asked for (or the model's default)
 * @param candidates lanes to try, in order
 * @param skipped every other lane, with its reason
 */
public record Decision(String rule, String model, String variant, List<Candidate> candidates, List<Skip> skipped) {
  public Decision {
    candidates = List.copyOf(candidates);
    skipped = List.copyOf(skipped);
  }
}
