package dev.laneway.routing;

import java.util.List;

/**
 * A policy rule: the first rule whose {@link Match} fits a request gives its lanes, in order.
 *
 * @param then another rule's name whose lanes follow this rule's (a fallback chain; cycles are refused)
 */
public record Rule(String name, Match match, List<Selector> lanes, String then) {
  public Rule {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("name: missing (expected: a rule name)");
    if (match == null) match = Match.ANY;
    lanes = lanes == null ? List.of() : List.copyOf(lanes);
    if (lanes.isEmpty() && then == null) {
      throw new IllegalArgumentException("lanes: empty (expected: at least one selector, or 'then')");
    }
  }
}
