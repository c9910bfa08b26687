package dev.laneway.gateway.pipeline;

import dev.laneway.base.AttributeNames;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.LaneResult;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.Hedging;
import dev.laneway.routing.RoutingException;
import dev.laneway.routing.Skip;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
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
import java.util.concurrent.TimeUnit;

/**
 * One routed request's attempts: the decision's candidates tried in order, at most two at once (the first and its
 * hedge). Hedging (the policy's {@code hedging:}, off by default): for a hedged latency class with a second candidate,
 * when the first lane has not answered after max({@code min_delay}, its recent latency at {@code quantile}) the same
 * texts go to the next candidate too, if the {@link HedgeBudget} allows; the first answer wins and the other attempt is
 * cancelled, which frees its queued work. A failed attempt while the other still runs waits for it.
 *
 * <p>State is guarded by this object's monitor; lane futures, spans and the answer are completed outside it. Created
 * and started by {@link Dispatcher#dispatch}; completed on lane threads or the hedge timer's.
 */
final class Attempts {
  private final Dispatcher dispatcher;
  private final Lanes lanes;
  private final Tracer tracer;
  private final RoutingMetrics metrics;
  private final HedgeBudget hedges;
  final InferenceCall call;
  final Decision decision;
  final ModelSpec model;
  final Hedging hedging;
  final CompletableFuture<Dispatched> answer = new CompletableFuture<>();
  /** Guarded by this. */
  final List<String> failures = new ArrayList<>();
  final Map<Integer, CompletableFuture<LaneResult>> running = new HashMap<>();
  int next;
  int hedgeIndex = -1;
  /** A request-level error (deadline, bad input) met while another attempt still ran; it stands if that one fails. */
  Throwable finalError;
  LaneException.QueueFull firstFull;
  ScheduledFuture<?> hedgeTimer;

  Attempts(Dispatcher dispatcher, InferenceCall call, Decision decision, ModelSpec model, Hedging hedging) {
    this.dispatcher = dispatcher;
    this.lanes = dispatcher.lanes();
    this.tracer = dispatcher.tracer();
    this.metrics = dispatcher.metrics();
    this.hedges = dispatcher.hedges();
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
      hedgeTimer = dispatcher.timer().schedule(this::hedge, delay, TimeUnit.NANOSECONDS);
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
        .setAttribute(AttributeNames.LANE, c.lane())
        .setAttribute("region", c.region())
        .setAttribute("variant", c.variant())
        .setAttribute("device", String.join(",", lane.spec().devices()))
        .setAttribute("stand_in", lane.devices().stream().anyMatch(d -> d.standIn()))
        .setAttribute("breaker.state", lane.health().breakerState())
        .setAttribute("estimate_ms", c.estimateMs())
        .setAttribute("hedge", hedge)
        .startSpan();
    LaneCall lc = new LaneCall(model, variant, call.texts(), call.deadlineNanos(), call.latencyClass(),
        call.tenant().id(), call.tenant().weightOrDefault(), call.completion());
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
    span.setAttribute(AttributeNames.DEVICE, result.device());
    span.setAttribute(AttributeNames.STAND_IN, result.standIn());
    span.setAttribute("outcome", won ? "ok" : "lost");
    span.end();
    if (!won) return; // the other attempt answered first (or the caller cancelled): this one's answer goes nowhere
    boolean degraded = c.degraded() || index > 0;
    if (degraded) metrics.degraded(call.model(), c.variant(), c.lane(), c.region());
    if (hedged >= 0) metrics.hedge(call.model(), call.latencyClass(), index == hedged ? "won" : "lost");
    answer.complete(new Dispatched(result, degraded, index + 1, executorNanos, hedged >= 0,
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
        + (decision.skipped().isEmpty() ? "" : "; skipped: " + Dispatcher.describe(decision.skipped()));
    if (firstFull != null) {
      return new LaneException.QueueFull(firstFull.lane(), detail, firstFull.reason(), firstFull.retryAfterNanos());
    }
    boolean residency = decision.skipped().stream().anyMatch(s -> s.kind() == Skip.Kind.RESIDENCY);
    return residency ? new RoutingException.ConstraintViolated("residency", detail)
        : new GatewayException.Unavailable(detail);
  }
}
