package dev.laneway.gateway.pipeline;

import static dev.laneway.base.AttributeNames.ROUTING_CANDIDATES;
import static dev.laneway.base.AttributeNames.ROUTING_CLIENT_REGION;
import static dev.laneway.base.AttributeNames.ROUTING_LATENCY_CLASS;
import static dev.laneway.base.AttributeNames.ROUTING_RULE;
import static dev.laneway.base.AttributeNames.ROUTING_SPILLED_FROM;
import static dev.laneway.base.AttributeNames.ROUTING_SPILL_REASON;
import static dev.laneway.base.AttributeNames.ROUTING_TENANT;

import dev.laneway.base.ModelKey;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.RoutingException;
import dev.laneway.routing.Skip;
import dev.laneway.topology.ModelSpec;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Routes a call on the snapshot it captured, then tries the decision's candidate lanes in order (Envoy's router: one
 * attempt per candidate, every outcome reported to the lane's breaker by its guard). A lane that is unavailable,
 * failed or full passes the request to the next candidate within the same request; any other error goes to the
 * client. When every candidate fails, the client gets one typed error that lists each lane's failure and each skipped
 * lane's reason: a 429 (with the soonest Retry-After) when a lane was only full, since overload is refused, not failed;
 * the residency constraint (503 naming it) when the tenant's residency removed the other lanes; else 503. Nothing is
 * substituted across an embedding space: candidates only ever run the requested model. The attempts themselves, and
 * hedging, are {@link Attempts}.
 *
 * <p>Routing reads lane health through {@link RoutingHealth}, which keeps the router's spill hysteresis in a
 * {@link SpillState} updated from each routed decision.
 *
 * <p>{@link #route}, {@link #dispatch} and {@link #decide} are called on an event loop (or any thread) and never block.
 * The future completes on a lane thread (or the hedge timer's). Traces: a {@code route} span and one
 * {@code lane.attempt} span per candidate tried, children of the call's context.
 */
public final class Dispatcher {
  private final Lanes lanes;
  private final Tracer tracer;
  private final RoutingMetrics metrics;
  private final SpillState spill = new SpillState();
  private final RoutingHealth health;
  private final HedgeBudget hedges = new HedgeBudget();
  private final ScheduledThreadPoolExecutor timer;

  public Dispatcher(Lanes lanes, OpenTelemetry otel, RoutingMetrics metrics) {
    this.lanes = lanes;
    this.tracer = otel.getTracer("dev.laneway.routing");
    this.metrics = metrics;
    this.health = new RoutingHealth(lanes, spill);
    this.timer = new ScheduledThreadPoolExecutor(1, r ->
        Thread.ofPlatform().name("laneway-hedge-timer").daemon(true).unstarted(r));
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Hedges sent so far, and requests that could have been hedged (the budget's two counts). */
  public long hedgesSent() {
    return hedges.spent();
  }

  public long hedgeEligible() {
    return hedges.eligible();
  }

  /**
   * The decision the call would get, without running it, counting it or touching the spill state (explain asks this).
   * Throws {@link RoutingException} (unknown model or version, forbidden, no rule).
   */
  public Decision decide(InferenceCall call) {
    return call.snapshot().decide(call.routeRequest(ThreadLocalRandom.current().nextLong()), health);
  }

  /**
   * Routes the call on its snapshot (a {@code route} span, refusals and spills counted, the spill state updated) into a
   * decision with at least one candidate; throws the typed refusal otherwise. Called once per request.
   */
  public Decision route(InferenceCall call) {
    Span route = tracer.spanBuilder("route").setParent(call.context())
        .setAttribute(ROUTING_CLIENT_REGION, call.clientRegion())
        .setAttribute(ROUTING_LATENCY_CLASS, call.latencyClass())
        .startSpan();
    try {
      Decision decision = decide(call);
      route.setAttribute(ROUTING_RULE, decision.rule());
      route.setAttribute(ROUTING_TENANT, decision.tenant());
      route.setAttribute(ROUTING_CANDIDATES, decision.candidates().stream().map(Candidate::lane).toList());
      for (Skip s : decision.skipped()) {
        if (s.kind() == Skip.Kind.DRIFT) {
          route.addEvent("drift", io.opentelemetry.api.common.Attributes.of(
              dev.laneway.base.AttributeNames.LANE, s.lane(), dev.laneway.base.AttributeNames.REASON, s.reason()));
        }
      }
      spill.record(decision, call.latencyClass());
      if (decision.spill() != null) {
        route.setAttribute(ROUTING_SPILLED_FROM, decision.spill().from());
        route.setAttribute(ROUTING_SPILL_REASON, decision.spill().reason());
        metrics.spilled(call.model(), decision.spill().from(), decision.spill().to(), call.latencyClass());
      }
      if (decision.candidates().isEmpty()) {
        throw noCandidates(call, decision);
      }
      return decision;
    } catch (RuntimeException e) {
      refused(call.model(), e);
      route.recordException(e);
      route.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      route.end();
    }
  }

  /** Counts a request refused before it reached a lane (by routing, or by authentication when the call was made). */
  void refused(String model, RuntimeException e) {
    metrics.refused(model, refusalReason(e));
  }

  /**
   * Runs a routed call: its decision's candidates in order, falling back (and hedging) within the request. Cancelling
   * the returned future cancels the lane attempts, which frees their queued work.
   */
  public CompletableFuture<Dispatched> dispatch(InferenceCall call, Decision decision) {
    ModelSpec model = call.snapshot().topology().model(call.model()).orElseThrow();
    Attempts attempts = new Attempts(this, call, decision, model, call.snapshot().policy().hedging());
    attempts.start();
    return attempts.answer;
  }

  /** Stops the hedge timer (hedges not yet sent are not sent). */
  public void close() {
    timer.shutdownNow();
  }

  Lanes lanes() {
    return lanes;
  }

  Tracer tracer() {
    return tracer;
  }

  RoutingMetrics metrics() {
    return metrics;
  }

  HedgeBudget hedges() {
    return hedges;
  }

  ScheduledThreadPoolExecutor timer() {
    return timer;
  }

  private static RuntimeException noCandidates(InferenceCall call, Decision d) {
    String why = ModelKey.of(call.model(), d.variant()) + " (" + describe(d.skipped()) + ")";
    if (d.blockedBy() != null) {
      return new RoutingException.ConstraintViolated(d.blockedBy(), "no lane can serve " + why);
    }
    return new GatewayException.Unavailable("no lane can serve " + why);
  }

  private static String refusalReason(RuntimeException e) {
    return switch (e) {
      case RoutingException.Unauthorized u -> "unauthorized";
      case RoutingException.Forbidden f -> "forbidden";
      case RoutingException.NoRule n -> "no_rule";
      case RoutingException.ConstraintViolated c -> c.constraint();
      case RoutingException.UnknownModel m -> "unknown_model";
      case RoutingException.UnknownVersion v -> "unknown_version";
      default -> "unavailable";
    };
  }

  static String describe(List<Skip> skipped) {
    return skipped.stream().map(s -> s.lane() + ": " + s.reason()).collect(Collectors.joining("; "));
  }
}
