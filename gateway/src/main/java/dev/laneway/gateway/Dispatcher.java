package dev.laneway.gateway;

import dev.laneway.lanes.GuardedLane;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.LaneHealth;
import dev.laneway.routing.RouteRequest;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingException;
import dev.laneway.routing.Skip;
import dev.laneway.routing.Tenant;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Authenticate, route, then try the candidate lanes in order (Envoy's router: one attempt per candidate, every outcome
 * reported to the lane's breaker by {@link GuardedLane}). A lane that is unavailable or full passes the request to the
 * next candidate within the same request; any other error goes to the client. When every candidate fails, the client
 * gets one typed error that lists each lane's failure and each skipped lane's reason; when the tenant's residency
 * removed the other lanes, that error is the residency constraint (503 naming it). Nothing is substituted across an
 * embedding space: candidates only ever run the requested model.
 *
 * <p>The routing snapshot (topology + policy, one {@link Router}) is held in an {@link AtomicReference} and swapped
 * whole by {@link #swap} on reload; a request uses the snapshot it started with.
 *
 * <p>{@link #dispatch} and {@link #decide} are called on an event loop (or any thread) and never block. The future
 * completes on a lane thread: callers bring it back to their event loop themselves. Traces: a {@code route} span and
 * one {@code lane.attempt} span per candidate tried, children of the call's context.
 */
public final class Dispatcher {
  private final AtomicReference<Router> router;
  private final Lanes lanes;
  private final Tracer tracer;
  private final RoutingMetrics metrics;
  private final LaneHealth health;

  Dispatcher(Router router, Lanes lanes, OpenTelemetry otel, RoutingMetrics metrics) {
    this.router = new AtomicReference<>(router);
    this.lanes = lanes;
    this.tracer = otel.getTracer("dev.laneway.routing");
    this.metrics = metrics;
    this.health = new Health();
  }

  /** The routing snapshot serving now. */
  public Router router() {
    return router.get();
  }

  /** Installs a new routing snapshot (reload); requests already routed keep theirs. */
  void swap(Router next) {
    router.set(next);
  }

  LaneHealth health() {
    return health;
  }

  /**
   * Authenticates the caller ({@code x-api-key}) and routes the call on the current snapshot, without running it.
   * Throws {@link RoutingException} (unknown model/version, unauthorized, forbidden, no rule).
   */
  public Decision decide(InferenceCall call) {
    return decide(call, router.get());
  }

  private Decision decide(InferenceCall call, Router r) {
    Tenant tenant = Auth.tenant(r.policy(), call);
    RouteRequest rr = new RouteRequest(call.model(), call.version(), call.latencyClass(), call.clientRegion(),
        tenant.id(), call.headers());
    return r.decide(rr, health);
  }

  /** Routes and runs the call: {@link #route} then {@link #dispatch(InferenceCall, Decision)}. */
  public CompletableFuture<Answer> dispatch(InferenceCall call) {
    Decision decision;
    try {
      decision = route(call);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return dispatch(call, decision);
  }

  /**
   * Routes the call on the current snapshot (a {@code route} span, refusals counted) into a decision with at least one
   * candidate; throws the typed refusal otherwise. A caller that needs the decision before running the call (the cache
   * keys on its first variant) routes once here and passes the decision to {@link #dispatch(InferenceCall, Decision)}.
   */
  public Decision route(InferenceCall call) {
    Span route = tracer.spanBuilder("route").setParent(call.context())
        .setAttribute("routing.client_region", call.clientRegion())
        .setAttribute("routing.latency_class", call.latencyClass())
        .startSpan();
    try {
      Decision decision = decide(call, router.get());
      route.setAttribute("routing.rule", decision.rule());
      route.setAttribute("routing.tenant", decision.tenant());
      route.setAttribute(AttributeKey.stringArrayKey("routing.candidates"),
          decision.candidates().stream().map(Candidate::lane).toList());
      if (decision.candidates().isEmpty()) {
        throw noCandidates(call, decision);
      }
      return decision;
    } catch (RuntimeException e) {
      metrics.refused(call.model(), refusalReason(e));
      route.recordException(e);
      route.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      route.end();
    }
  }

  /** Runs a routed call: its decision's candidates in order, falling back within the request. */
  public CompletableFuture<Answer> dispatch(InferenceCall call, Decision decision) {
    ModelSpec model = router.get().topology().model(call.model()).orElseThrow();
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    attempt(call, model, decision, 0, new ArrayList<>(), answer);
    return answer;
  }

  private static RuntimeException noCandidates(InferenceCall call, Decision d) {
    String why = call.model() + ":" + d.variant() + " (" + describe(d.skipped()) + ")";
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

  private void attempt(
      InferenceCall call, ModelSpec model, Decision decision, int index, List<String> failures,
      CompletableFuture<Answer> answer) {
    Candidate c = decision.candidates().get(index);
    VariantSpec variant = model.variant(c.variant()).orElseThrow();
    Lane lane = lanes.get(c.lane());
    Span span = tracer.spanBuilder("lane.attempt").setParent(call.context())
        .setAttribute("lane", c.lane())
        .setAttribute("region", c.region())
        .setAttribute("variant", c.variant())
        .setAttribute("device", String.join(",", lane.spec().devices()))
        .setAttribute("stand_in", lane.devices().stream().anyMatch(d -> d.standIn()))
        .setAttribute("breaker.state", lane instanceof GuardedLane g ? g.breakerState() : "none")
        .startSpan();
    LaneCall lc = new LaneCall(model, variant, call.texts(), call.deadlineNanos(), call.latencyClass());
    long submitted = System.nanoTime();
    CompletableFuture<?> f;
    try {
      // the attempt span is current while the lane takes the call, also on a fallback started from another lane's
      // thread: tokenize and batch spans (local) and the node's server span (remote) hang off this attempt
      CompletableFuture<dev.laneway.lanes.LaneResult> laneFuture;
      try (Scope ignored = call.context().with(span).makeCurrent()) {
        laneFuture = lane.infer(lc);
      }
      // issue-5 hook: a cancelled request (gRPC cancel) cancels its lane attempt, which frees its queued work
      answer.whenComplete((a, e) -> {
        if (answer.isCancelled()) laneFuture.cancel(false);
      });
      f = laneFuture.whenComplete((result, error) -> {
        if (answer.isCancelled()) {
          span.setAttribute("outcome", "cancelled");
          span.end();
          return;
        }
        if (error == null) {
          long executor = System.nanoTime() - submitted;
          span.setAttribute("device", result.device());
          span.setAttribute("stand_in", result.standIn());
          span.setAttribute("outcome", "ok");
          span.end();
          boolean degraded = c.degraded() || index > 0;
          if (degraded) metrics.degraded(call.model(), c.variant(), c.lane(), c.region());
          answer.complete(new Answer(call, decision, result, degraded, index + 1, executor));
          return;
        }
        onFailure(call, model, decision, index, failures, answer, c, span, ErrorMapping.unwrap(error));
      });
    } catch (RuntimeException e) {
      onFailure(call, model, decision, index, failures, answer, c, span, e);
    }
  }

  private void onFailure(InferenceCall call, ModelSpec model, Decision decision, int index, List<String> failures,
      CompletableFuture<Answer> answer, Candidate c, Span span, Throwable e) {
    span.setAttribute("outcome", switch (e) {
      case LaneException.Unavailable u -> "unavailable";
      case LaneException.QueueFull q -> "full";
      case LaneException.InvalidInput i -> "invalid_input";
      default -> "error";
    });
    span.recordException(e);
    span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
    if (lanes.get(c.lane()) instanceof GuardedLane g) span.setAttribute("breaker.state", g.breakerState());
    span.end();
    boolean more = index + 1 < decision.candidates().size();
    if (e instanceof LaneException.InvalidInput && more) {
      // this lane's static shapes cannot take the input (a text too long for a specialised lane): a lane with dynamic
      // shapes further down may; only when none is left is it the client's error (400)
      failures.add(c.lane() + ": " + e.getMessage());
      metrics.fallback(call.model(), c.lane(), decision.candidates().get(index + 1).lane());
      attempt(call, model, decision, index + 1, failures, answer);
      return;
    }
    if (e instanceof LaneException le && le.retryElsewhere()) {
      failures.add(c.lane() + ": " + le.getMessage());
      if (more) {
        metrics.fallback(call.model(), c.lane(), decision.candidates().get(index + 1).lane());
        attempt(call, model, decision, index + 1, failures, answer);
        return;
      }
      if (e instanceof LaneException.QueueFull && index == 0) {
        answer.completeExceptionally(e);
        return;
      }
      String detail = "every candidate lane failed: " + String.join("; ", failures)
          + (decision.skipped().isEmpty() ? "" : "; skipped: " + describe(decision.skipped()));
      boolean residency = decision.skipped().stream().anyMatch(s -> s.reason().startsWith("residency"));
      answer.completeExceptionally(residency
          ? new RoutingException.ConstraintViolated("residency", detail)
          : new GatewayException.Unavailable(detail));
    } else {
      answer.completeExceptionally(e);
    }
  }

  private static String describe(List<Skip> skipped) {
    return skipped.stream().map(s -> s.lane() + ": " + s.reason()).collect(Collectors.joining("; "));
  }

  /** Lane health for routing, read from the guarded lanes at decision time. */
  private final class Health implements LaneHealth {
    @Override
    public String unavailableReason(String id) {
      Lane l = lanes.find(id).orElse(null);
      if (l == null) return "not started in this process";
      if (l instanceof GuardedLane g) return g.unavailableReason();
      return l.ready() ? null : "not ready";
    }

    @Override
    public String notAdmitted(String id, String model, String variant) {
      Lane l = lanes.find(id).orElse(null);
      if (l == null) return null;
      if (l instanceof GuardedLane g && g.notAdmitted(model, variant) != null) return g.notAdmitted(model, variant);
      return l.serves(model, variant) ? null : model + ":" + variant + " is not loaded on this lane";
    }

    @Override
    public double expectedLatencyMs(String id) {
      return lanes.find(id).orElse(null) instanceof GuardedLane g ? g.ewmaMs() : 0;
    }
  }
}
