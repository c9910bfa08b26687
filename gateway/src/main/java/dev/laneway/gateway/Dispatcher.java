package dev.laneway.gateway;

import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.LaneHealth;
import dev.laneway.routing.RouteRequest;
import dev.laneway.routing.Router;
import dev.laneway.routing.Skip;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Route, then try the candidate lanes in order: a lane that is unavailable or full passes the request to the next
 * candidate within the same request; any other error, or the last candidate's, goes to the client.
 *
 * <p>Called on the event loop; never blocks. The future completes on a lane thread: callers bring it back to their
 * event loop themselves.
 */
public final class Dispatcher {
  private final Topology topology;
  private final Router router;
  private final Lanes lanes;

  public Dispatcher(Topology topology, Router router, Lanes lanes) {
    this.topology = topology;
    this.router = router;
    this.lanes = lanes;
  }

  public Router router() {
    return router;
  }

  public Decision decide(InferenceCall call) {
    RouteRequest rr =
        new RouteRequest(call.model(), call.version(), call.latencyClass(), call.clientRegion(), call.tenant());
    return router.decide(rr, health());
  }

  private LaneHealth health() {
    return lane -> {
      Lane l = lanes.find(lane).orElse(null);
      if (l == null) return "not started in this process";
      return l.ready() ? null : "not ready";
    };
  }

  public CompletableFuture<Answer> dispatch(InferenceCall call) {
    Decision decision;
    try {
      decision = decide(call);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (decision.candidates().isEmpty()) {
      return CompletableFuture.failedFuture(new GatewayException.Unavailable(
          "no lane can serve " + call.model() + ":" + decision.variant() + " (" + describe(decision.skipped()) + ")"));
    }
    ModelSpec model = topology.model(call.model()).orElseThrow();
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    attempt(call, model, decision, 0, new ArrayList<>(), answer);
    return answer;
  }

  private void attempt(
      InferenceCall call, ModelSpec model, Decision decision, int index, List<String> failures,
      CompletableFuture<Answer> answer) {
    Candidate c = decision.candidates().get(index);
    VariantSpec variant = model.variant(c.variant()).orElseThrow();
    Lane lane = lanes.get(c.lane());
    LaneCall lc = new LaneCall(model, variant, call.texts(), call.deadlineNanos(), call.latencyClass());
    CompletableFuture<dev.laneway.lanes.LaneResult> attemptFuture = lane.infer(lc);
    // issue-5 hook: a cancelled request (gRPC cancel) cancels its lane attempt, which frees its queued work
    answer.whenComplete((a, e) -> {
      if (answer.isCancelled()) attemptFuture.cancel(false);
    });
    attemptFuture.whenComplete((result, error) -> {
      if (error == null) {
        answer.complete(new Answer(call, decision, result, c.degraded() || index > 0, index + 1));
        return;
      }
      Throwable e = ErrorMapping.unwrap(error);
      if (answer.isDone()) return; // cancelled
      boolean more = index + 1 < decision.candidates().size();
      if (e instanceof LaneException le && le.retryElsewhere() && more) {
        failures.add(c.lane() + ": " + le.getMessage());
        attempt(call, model, decision, index + 1, failures, answer);
      } else if (e instanceof LaneException.Unavailable u && index > 0) {
        failures.add(c.lane() + ": " + u.getMessage());
        answer.completeExceptionally(new GatewayException.Unavailable(
            "every candidate lane failed: " + String.join("; ", failures)));
      } else {
        answer.completeExceptionally(e);
      }
    });
  }

  private static String describe(List<Skip> skipped) {
    return skipped.stream().map(s -> s.lane() + ": " + s.reason()).collect(Collectors.joining("; "));
  }
}
