package dev.laneway.gateway.pipeline;

import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.LaneResult;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.Hedging;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Authenticate, route, then try the candidate lanes in order (Envoy's router: one attempt per candidate, every outcome
 * reported to the lane's breaker by its guard, {@code GuardedLane}). A lane that is unavailable, failed or full passes the
 * request to the next candidate within the same request; any other error goes to the client. When every candidate
 * fails, the client gets one typed error that lists each lane's failure and each skipped lane's reason: a 429 (with
 * the soonest Retry-After) when a lane was only full, since overload is refused, not failed; the residency constraint
 * (503 naming it) when the tenant's residency removed the other lanes; else 503. Nothing is substituted across an
 * embedding space: candidates only ever run the requested model.
 *
 * <p>Hedging (the policy's {@code hedging:}, off by default): for a hedged latency class with a second candidate, when
 * the first lane has not answered after max({@code min_delay}, its recent latency at {@code quantile}) the same texts
 * go to the next candidate too, if the {@link HedgeBudget} allows; the first answer wins and the other attempt is
 * cancelled, which frees its queued work. A failed attempt while the other still runs waits for it.
 *
 * <p>The routing snapshot (topology + policy, one {@link Router}) is held in an {@link AtomicReference} and swapped
 * whole by {@link #swap} on reload; a request uses the snapshot it started with. The router's spill hysteresis lives in
 * a {@link SpillState} updated from each routed decision.
 *
 * <p>{@link #dispatch} and {@link #decide} are called on an event loop (or any thread) and never block. The future
 * completes on a lane thread (or the hedge timer's): callers bring it back to their event loop themselves. Traces: a
 * {@code route} span and one {@code lane.attempt} span per candidate tried (a hedge's with {@code hedge=true}),
 * children of the call's context.
 */
public final class Dispatcher {
  private final AtomicReference<Router> router;
  private final Lanes lanes;
  private final Tracer tracer;
  private final RoutingMetrics metrics;
  private final LaneHealth health;
  private final SpillState spill = new SpillState();
  private final HedgeBudget hedges = new HedgeBudget();
  private final ScheduledThreadPoolExecutor timer;

  public Dispatcher(Router router, Lanes lanes, OpenTelemetry otel, RoutingMetrics metrics) {
    this.router = new AtomicReference<>(router);
    this.lanes = lanes;
    this.tracer = otel.getTracer("dev.laneway.routing");
    this.metrics = metrics;
    this.health = new Health();
    this.timer = new ScheduledThreadPoolExecutor(1, r ->
        Thread.ofPlatform().name("laneway-hedge-timer").daemon(true).unstarted(r));
    timer.setRemoveOnCancelPolicy(true);
  }

  /** The routing snapshot serving now. */
  public Router router() {
    return router.get();
  }

  /** Installs a new routing snapshot (reload); requests already routed keep theirs. */
  public void swap(Router next) {
    router.set(next);
  }

  LaneHealth health() {
    return health;
  }

  /** Hedges sent so far, and requests that could have been hedged (the budget's two counts). */
  public long hedgesSent() {
    return hedges.spent();
  }

  public long hedgeEligible() {
    return hedges.eligible();
  }

  /**
   * Authenticates the caller ({@code x-api-key}) and routes the call on the current snapshot, without running it (and
   * without touching the spill state: explain asks this).
   * Throws {@link RoutingException} (unknown model/version, unauthorized, forbidden, no rule).
   */
  public Decision decide(InferenceCall call) {
    return decide(call, router.get());
  }

  private Decision decide(InferenceCall call, Router r) {
    Tenant tenant = Auth.tenant(r.policy(), call);
    RouteRequest rr = new RouteRequest(call.model(), call.version(), call.latencyClass(), call.clientRegion(),
        tenant.id(), call.headers(), call.texts().size(), ThreadLocalRandom.current().nextLong());
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
   * Routes the call on the current snapshot (a {@code route} span, refusals and spills counted, the spill state
   * updated) into a decision with at least one candidate; throws the typed refusal otherwise. A caller that needs the
   * decision before running the call (the cache keys on its first variant) routes once here and passes the decision
   * to {@link #dispatch(InferenceCall, Decision)}.
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
      spill.record(decision, call.latencyClass());
      if (decision.spill() != null) {
        route.setAttribute("routing.spilled_from", decision.spill().from());
        route.setAttribute("routing.spill_reason", decision.spill().reason());
        metrics.spilled(call.model(), decision.spill().from(), decision.spill().to(), call.latencyClass());
      }
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

  /** Runs a routed call: its decision's candidates in order, falling back (and hedging) within the request. */
  public CompletableFuture<Answer> dispatch(InferenceCall call, Decision decision) {
    Router r = router.get();
    ModelSpec model = r.topology().model(call.model()).orElseThrow();
    Exchange x = new Exchange(call, decision, model, r.policy().hedging());
    x.start();
    return x.answer;
  }

  /** Stops the hedge timer (hedges not yet sent are not sent). */
  public void close() {
    timer.shutdownNow();
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

  private static String describe(List<Skip> skipped) {
    return skipped.stream().map(s -> s.lane() + ": " + s.reason()).collect(Collectors.joining("; "));
  }

  /**
   * One request's attempts: the candidates tried in order, at most two at once (the first and its hedge). State is
   * guarded by this object's monitor; lane futures, spans and the answer are completed outside it.
   */
  private final class Exchange {
    final InferenceCall call;
    final Decision decision;
    final ModelSpec model;
    final Hedging hedging;
    final CompletableFuture<Answer> answer = new CompletableFuture<>();
    /** Guarded by this. */
    final List<String> failures = new ArrayList<>();
    final Map<Integer, CompletableFuture<LaneResult>> running = new HashMap<>();
    int next;
    int hedgeIndex = -1;
    /** A request-level error (deadline, bad input) met while another attempt still ran; it stands if that one fails. */
    Throwable finalError;
    LaneException.QueueFull firstFull;
    ScheduledFuture<?> hedgeTimer;

    Exchange(InferenceCall call, Decision decision, ModelSpec model, Hedging hedging) {
      this.call = call;
      this.decision = decision;
      this.model = model;
      this.hedging = hedging;
    }

    void start() {
      // a cancelled request (gRPC cancel, REST client gone) cancels its lane attempts, which frees their queued work
      answer.whenComplete((a, e) -> {
        List<CompletableFuture<LaneResult>> left;
        synchronized (this) {
          left = new ArrayList<>(running.values());
          if (hedgeTimer != null) hedgeTimer.cancel(false);
        }
        if (answer.isCancelled()) left.forEach(f -> f.cancel(false));
      });
      int first;
      synchronized (this) {
        first = next++;
      }
      launch(first, false);
      scheduleHedge();
    }

    /** Arms the hedge timer after the first attempt, when this request may be hedged. */
    private void scheduleHedge() {
      if (!hedging.hedges(call.latencyClass()) || decision.candidates().size() < 2 || answer.isDone()) return;
      hedges.earn(hedging.budget(), hedging.burst());
      Lane first = lanes.get(decision.candidates().get(0).lane());
      long recent = first.health().recentLatencyNanos(call.latencyClass(), hedging.quantile());
      if (recent < 0) return; // no latency history yet: no threshold to hedge after
      long delay = Math.max(hedging.minDelay().toNanos(), recent);
      if (call.deadlineNanos() - System.nanoTime() <= delay) return; // the hedge could not answer in time
      synchronized (this) {
        if (answer.isDone()) return;
        hedgeTimer = timer.schedule(this::hedge, delay, TimeUnit.NANOSECONDS);
      }
    }

    /** The hedge timer fired: the first lane has not answered; send the same texts to the next candidate. */
    private void hedge() {
      int index;
      synchronized (this) {
        if (answer.isDone() || running.size() != 1 || next != 1) return; // answered, or already falling back
        if (!hedges.trySpend()) {
          metrics.hedge(call.model(), call.latencyClass(), "denied");
          return;
        }
        index = next++;
        hedgeIndex = index;
      }
      metrics.hedge(call.model(), call.latencyClass(), "sent");
      launch(index, true);
    }

    private void launch(int index, boolean hedge) {
      Candidate c = decision.candidates().get(index);
      VariantSpec variant = model.variant(c.variant()).orElseThrow();
      Lane lane = lanes.get(c.lane());
      Span span = tracer.spanBuilder("lane.attempt").setParent(call.context())
          .setAttribute("lane", c.lane())
          .setAttribute("region", c.region())
          .setAttribute("variant", c.variant())
          .setAttribute("device", String.join(",", lane.spec().devices()))
          .setAttribute("stand_in", lane.devices().stream().anyMatch(d -> d.standIn()))
          .setAttribute("breaker.state", lane.health().breakerState())
          .setAttribute("estimate_ms", c.estimateMs())
          .setAttribute("hedge", hedge)
          .startSpan();
      LaneCall lc = new LaneCall(model, variant, call.texts(), call.deadlineNanos(), call.latencyClass());
      long submitted = System.nanoTime();
      CompletableFuture<LaneResult> f;
      // the attempt span is current while the lane takes the call, also on a fallback started from another lane's
      // thread: tokenize and batch spans (local) and the node's server span (remote) hang off this attempt
      try (Scope ignored = call.context().with(span).makeCurrent()) {
        f = lane.infer(lc);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      synchronized (this) {
        running.put(index, f);
      }
      f.whenComplete((result, error) -> {
        if (error == null) {
          succeeded(index, c, span, result, System.nanoTime() - submitted);
        } else {
          failed(index, c, span, ErrorMapping.unwrap(error));
        }
      });
    }

    private void succeeded(int index, Candidate c, Span span, LaneResult result, long executorNanos) {
      List<CompletableFuture<LaneResult>> losers = new ArrayList<>();
      boolean won;
      int hedged;
      synchronized (this) {
        running.remove(index);
        won = !answer.isDone();
        if (won) {
          losers.addAll(running.values());
          running.clear();
        }
        hedged = hedgeIndex;
      }
      span.setAttribute("device", result.device());
      span.setAttribute("stand_in", result.standIn());
      span.setAttribute("outcome", won ? "ok" : "lost");
      span.end();
      if (!won) return; // the other attempt answered first (or the caller cancelled): this one's answer goes nowhere
      boolean degraded = c.degraded() || index > 0;
      if (degraded) metrics.degraded(call.model(), c.variant(), c.lane(), c.region());
      if (hedged >= 0) metrics.hedge(call.model(), call.latencyClass(), index == hedged ? "won" : "lost");
      answer.complete(new Answer(call, decision, result, degraded, index + 1, executorNanos, hedged >= 0,
          decision.spill() == null ? null : decision.spill().from()));
      losers.forEach(l -> l.cancel(false)); // frees the losing attempt's queued work
    }

    private void failed(int index, Candidate c, Span span, Throwable e) {
      span.setAttribute("outcome", switch (e) {
        case LaneException.Unavailable u -> "unavailable";
        case LaneException.DeviceFailed d -> "device_failed";
        case LaneException.QueueFull q -> q.reason() == LaneException.QueueFull.Reason.SHED ? "shed" : "full";
        case LaneException.InvalidInput i -> "invalid_input";
        case LaneException.DeadlineExceeded d -> "deadline_exceeded";
        case java.util.concurrent.CancellationException x -> "cancelled";
        default -> "error";
      });
      if (!(e instanceof java.util.concurrent.CancellationException)) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      }
      span.setAttribute("breaker.state", lanes.get(c.lane()).health().breakerState());
      span.end();
      int launch = -1;
      Throwable fail = null;
      synchronized (this) {
        running.remove(index);
        if (answer.isDone()) return;
        boolean more = next < decision.candidates().size();
        boolean tryNext = e instanceof LaneException le && (le.retryElsewhere() || le instanceof LaneException.InvalidInput);
        if (tryNext) {
          // InvalidInput: this lane's static shapes cannot take the input (a text too long for a specialised lane): a
          // lane with dynamic shapes further down may; only when none is left is it the client's error (400)
          failures.add(c.lane() + ": " + e.getMessage());
          if (e instanceof LaneException.QueueFull q && (firstFull == null
              || q.retryAfterNanos() < firstFull.retryAfterNanos())) {
            firstFull = q;
          }
        } else if (finalError == null) {
          finalError = e;
        }
        if (!running.isEmpty()) return; // the other attempt (a hedge, or what this one hedged) may still answer
        if (tryNext && more && finalError == null) {
          launch = next++;
        } else if (finalError != null) {
          fail = finalError;
        } else if (e instanceof LaneException.InvalidInput) {
          fail = e;
        } else {
          fail = exhausted();
        }
      }
      if (launch >= 0) {
        metrics.fallback(call.model(), c.lane(), decision.candidates().get(launch).lane());
        launch(launch, false);
      } else {
        answer.completeExceptionally(fail);
      }
    }

    /** Every candidate failed: overload if any was only full, else the residency constraint or unavailable. */
    private Throwable exhausted() {
      if (failures.size() == 1 && firstFull != null) return firstFull;
      String detail = "every candidate lane failed: " + String.join("; ", failures)
          + (decision.skipped().isEmpty() ? "" : "; skipped: " + describe(decision.skipped()));
      if (firstFull != null) {
        return new LaneException.QueueFull(firstFull.lane(), detail, firstFull.reason(), firstFull.retryAfterNanos());
      }
      boolean residency = decision.skipped().stream().anyMatch(s -> s.kind() == Skip.Kind.RESIDENCY);
      return residency ? new RoutingException.ConstraintViolated("residency", detail)
          : new GatewayException.Unavailable(detail);
    }
  }

  /** Lane health for routing, read from the guarded lanes at decision time. */
  private final class Health implements LaneHealth {
    @Override
    public String unavailableReason(String id) {
      Lane l = lanes.find(id).orElse(null);
      return l == null ? "not started in this process" : l.health().unavailableReason();
    }

    @Override
    public String notAdmitted(String id, String model, String variant) {
      Lane l = lanes.find(id).orElse(null);
      if (l == null) return null;
      String refused = l.health().notAdmitted(model, variant);
      if (refused != null) return refused;
      return l.serves(model, variant) ? null : model + ":" + variant + " is not loaded on this lane";
    }

    @Override
    public double expectedLatencyMs(String id) {
      return lanes.find(id).map(l -> l.health().ewmaMs()).orElse(0.0);
    }

    @Override
    public double estimateMs(String id, String latencyClass, int texts) {
      Lane l = lanes.find(id).orElse(null);
      long nanos = l == null ? -1 : l.expectedCompletionNanos(latencyClass, texts);
      return nanos < 0 ? Double.NaN : nanos / 1e6;
    }

    @Override
    public double waitMs(String id, String latencyClass) {
      Lane l = lanes.find(id).orElse(null);
      long nanos = l == null ? -1 : l.expectedWaitNanos(latencyClass);
      return nanos < 0 ? Double.NaN : nanos / 1e6;
    }

    @Override
    public boolean spilling(String id, String latencyClass) {
      return spill.spilling(id, latencyClass);
    }
  }
}
