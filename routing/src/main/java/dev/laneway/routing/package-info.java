/**
 * Routing: from a request's attributes, a policy and topology snapshot and lane health to a {@link Decision} — the
 * matched rule, the ordered candidate lanes and why every other lane was skipped. {@link PolicyLoader} reads the policy
 * YAML (tenants, rules of {@link Selector}s, {@code latency_budgets}, {@link Spillover} and {@link Hedging}) with
 * file:line:col errors; {@link Router#decide} is pure and applies the hard constraints (residency, embedding space) and
 * the soft ones: each lane's expected completion time plus the link's round-trip time orders equally ranked lanes
 * (power of two choices among three or more), and a preferred lane whose estimate breaks the class's budget, or the
 * spillover margin, gives its place to the next candidate ({@link Decision#spill()}), with hysteresis. Lane health and
 * estimates arrive through {@link LaneHealth}, so routing does not depend on lanes; the caller keeps the spilling state
 * and supplies the randomness ({@link RouteRequest#seed()}).
 *
 * <pre>{@code
 * Router router = Router.create(topology, PolicyLoader.load(Path.of("policy.yaml"), topology));
 * Decision d = router.decide(new RouteRequest("all-minilm-l6-v2", "int8", "interactive", "hk", "anonymous"),
 *     LaneHealth.ALL_UP);
 * d.rule();                        // "interactive-int8-npu"
 * d.candidates().get(0).lane();    // "hk-npu", then hk-general, intl-general
 * // the NPU lane saturated (83 ms against the interactive budget of 50 ms), hk-general idle:
 * d = router.decide(request, health);
 * d.candidates().get(0).lane();    // "hk-general", then hk-npu (both degraded)
 * d.spill().reason();              // "estimate 83.0 ms breaks the interactive budget of 50 ms (next: 2.0 ms)"
 * }</pre>
 */
package dev.laneway.routing;
