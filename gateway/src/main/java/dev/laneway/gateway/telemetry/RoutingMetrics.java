package dev.laneway.gateway.telemetry;

import dev.laneway.gateway.pipeline.Dispatcher;
import static dev.laneway.base.AttributeNames.CLASS;
import static dev.laneway.base.AttributeNames.FROM_LANE;
import static dev.laneway.base.AttributeNames.LANE;
import static dev.laneway.base.AttributeNames.MODEL;
import static dev.laneway.base.AttributeNames.OUTCOME;
import static dev.laneway.base.AttributeNames.REASON;
import static dev.laneway.base.AttributeNames.REGION;
import static dev.laneway.base.AttributeNames.TO_LANE;
import static dev.laneway.base.AttributeNames.VARIANT;

import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.function.LongSupplier;

/**
 * Routing and lane-health metrics, on the Meter {@code dev.laneway.routing}: fallbacks, degraded answers, refusals by
 * reason, spills, hedges, breaker state per lane, policy version and reloads. Labels are bounded (model, variant, lane, region,
 * reason): never a tenant key. Counters are recorded by {@link Dispatcher} and the reloader from any thread.
 */
public final class RoutingMetrics {
  private final LongCounter fallbacks;
  private final LongCounter degraded;
  private final LongCounter refusals;
  private final LongCounter reloads;
  private final LongCounter spills;
  private final LongCounter hedges;
  private final dev.laneway.observability.Labels models;

  public RoutingMetrics(Meter meter, Lanes lanes, LongSupplier policyVersion) {
    models = GatewayMetrics.modelLabels(lanes);
    fallbacks = meter.counterBuilder("laneway.fallbacks")
        .setDescription("Requests passed from one lane to the next within the same request").build();
    degraded = meter.counterBuilder("laneway.degraded")
        .setDescription("Answers served by a lane other than the first choice").build();
    refusals = meter.counterBuilder("laneway.refusals")
        .setDescription("Requests refused before reaching a lane: residency, space, unauthorized, forbidden, no_rule")
        .build();
    spills = meter.counterBuilder("laneway.spills")
        .setDescription("Requests routed off the policy's preferred lane because its expected completion time broke "
            + "the class's budget or the margin (spillover)").build();
    hedges = meter.counterBuilder("laneway.hedges")
        .setDescription("Hedged requests, by outcome: sent, won (the hedge answered first), lost (the first lane did), "
            + "denied (over the hedge budget)").build();
    reloads = meter.counterBuilder("laneway.policy.reloads")
        .setDescription("Policy/topology reloads, by outcome (ok or refused)").build();
    meter.gaugeBuilder("laneway.policy.version").ofLongs()
        .setDescription("Version of the routing policy serving (1 at start, +1 per accepted reload)")
        .buildWithCallback(m -> m.record(policyVersion.getAsLong()));
    meter.gaugeBuilder("laneway.breaker.state").ofLongs()
        .setDescription("Circuit breaker per lane: 0 closed, 1 half-open, 2 open")
        .buildWithCallback(m -> {
          for (Lane l : lanes.all()) {
            m.record(l.health().breakerStateCode(), Attributes.of(LANE, l.id(), REGION, l.spec().region()));
          }
        });
  }

  public void fallback(String model, String fromLane, String toLane) {
    fallbacks.add(1, Attributes.of(MODEL, models.bound(model), FROM_LANE, fromLane, TO_LANE, toLane));
  }

  public void degraded(String model, String variant, String lane, String region) {
    degraded.add(1, Attributes.of(MODEL, models.bound(model), VARIANT, variant, LANE, lane, REGION, region));
  }

  public void spilled(String model, String fromLane, String toLane, String latencyClass) {
    spills.add(1, Attributes.of(MODEL, models.bound(model), FROM_LANE, fromLane, TO_LANE, toLane, CLASS, latencyClass));
  }

  public void hedge(String model, String latencyClass, String outcome) {
    hedges.add(1, Attributes.of(MODEL, models.bound(model), CLASS, latencyClass, OUTCOME, outcome));
  }

  public void refused(String model, String reason) {
    refusals.add(1, Attributes.of(MODEL, models.bound(model), REASON, reason));
  }

  public void reloaded(boolean ok) {
    reloads.add(1, Attributes.of(OUTCOME, ok ? "ok" : "refused"));
  }
}
