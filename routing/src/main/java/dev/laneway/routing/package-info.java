/**
 * Routing: from a request's attributes, the topology and lane health to a {@link Decision} — the ordered candidate
 * lanes and why every other lane was skipped. Pure functions; lane health arrives through {@link LaneHealth}.
 *
 * <pre>{@code
 * Router router = Router.create(topology);
 * Decision d = router.decide(new RouteRequest("all-minilm-l6-v2", null, "standard", "hk", "anonymous"), LaneHealth.ALL_UP);
 * d.candidates().get(0).lane();   // "hk-general"
 * }</pre>
 */
package dev.laneway.routing;
