/**
 * Routing: from a request's attributes, a policy and topology snapshot and lane health to a {@link Decision} — the
 * matched rule, the ordered candidate lanes and why every other lane was skipped. {@link PolicyLoader} reads the policy
 * YAML (tenants, rules of {@link Selector}s) with file:line:col errors; {@link Router#decide} is pure and applies the
 * hard constraints (residency, embedding space) and the soft one (expected latency orders equally ranked lanes). Lane
 * health arrives through {@link LaneHealth}, so routing does not depend on lanes.
 *
 * <pre>{@code
 * Router router = Router.create(topology, PolicyLoader.load(Path.of("policy.yaml"), topology));
 * Decision d = router.decide(new RouteRequest("all-minilm-l6-v2", "int8", "interactive", "hk", "anonymous"),
 *     LaneHealth.ALL_UP);
 * d.rule();                        // "interactive-int8-npu"
 * d.candidates().get(0).lane();    // "hk-npu", then hk-general, intl-general
 * }</pre>
 */
package dev.laneway.routing;
