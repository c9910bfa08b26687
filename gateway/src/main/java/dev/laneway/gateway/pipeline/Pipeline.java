package dev.laneway.gateway.pipeline;

import static dev.laneway.base.AttributeNames.CACHE_BYPASS;
import static dev.laneway.base.AttributeNames.CACHE_HITS;
import static dev.laneway.base.AttributeNames.CACHE_MISSES;

import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.slo.Shedder;
import dev.laneway.gateway.slo.SloGuard;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.gateway.telemetry.TenantMetrics;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneResult;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.RoutingException;
import dev.laneway.topology.ModelSpec;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The request pipeline every door goes through, each stage once and in order:
 *
 * <pre>
 * door decodes → {@link #call} (class, region, deadline; the routing snapshot captured; x-api-key → tenant)
 *             → {@link #infer}: the tenant's limits on the exact cost ({@link TenantStage}) → route (once, on that snapshot) → cache (per text, for the decision's first variant)
 *               → dispatch the misses along the decision ({@link Dispatcher}: fallback, hedging)
 *               → one {@link Answer} with typed {@link ResponseParameters}
 * door encodes ← {@link DoorReplies} brings the answer back to the door's event loop
 * </pre>
 *
 * <p>Identical texts in flight are computed once (the cache's shared futures); a text another request was computing
 * that failed there is computed again for this request, on the same decision: a request is never routed twice.
 * {@link #call} and {@link #infer} are called on an event loop and never block; a local lane's answer completes
 * back on that event loop (the call's completion executor: an instance hands a batch's answers to each loop in one
 * task, and the continuations run there, not on the instance thread), a remote lane's on that same event loop too
 * (it sends over the loop's own connection to the node), a full cache hit at once. Cancelling it cancels the dispatch of the misses, which frees their queued work.
 */
public final class Pipeline {
  private final Calls calls;
  private final Dispatcher dispatcher;
  private final EmbeddingCache cache;
  private final GatewayMetrics metrics;
  private final Lanes lanes;
  private final Tracer tracer;
  private final TenantStage tenants;
  private final TenantMetrics tenantMetrics;
  private final SloGuard slo;

  public Pipeline(Calls calls, TenantStage tenants, Dispatcher dispatcher, EmbeddingCache cache,
      GatewayMetrics metrics, TenantMetrics tenantMetrics, Lanes lanes, Tracer tracer, SloGuard slo) {
    this.calls = calls;
    this.slo = slo;
    this.tenants = tenants;
    this.tenantMetrics = tenantMetrics;
    this.dispatcher = dispatcher;
    this.cache = cache;
    this.metrics = metrics;
    this.lanes = lanes;
    this.tracer = tracer;
  }

  /**
   * The call a door's request makes ({@link Calls}); an unknown or missing API key is counted as a refusal.
   *
   * @throws GatewayException.BadRequest naming the parameter at fault
   * @throws RoutingException.Unauthorized for an unknown key, or a missing one the policy requires
   */
  public InferenceCall call(DoorRequest request) {
    try {
      return calls.call(request);
    } catch (RoutingException e) {
      dispatcher.refused(request.model(), e);
      throw e;
    }
  }

  /**
   * Answers a call; counted under its door, its tenant and its class's SLOs. First the SLO guard: a class it sheds
   * (the protected objective burns) is refused before the tenant is charged ({@link GatewayException.Shed}).
   */
  public CompletableFuture<Answer> infer(InferenceCall request) {
    long t0 = System.nanoTime();
    // called on the door's event loop: lanes answer there, a batch's answers in one task per loop. Not on a node for
    // what a gateway sent (it names the node's lane): measured in bench regions, a node completing on its event loop
    // reported longer queue times while it warmed up, enough for gateways to spill away from it (docs/issue-19.md)
    Executor loop = request.headers().containsKey(NodePolicy.LANE_HEADER) ? null
        : DoorReplies.executor(io.vertx.core.Vertx.currentContext());
    InferenceCall call = loop == null ? request : request.withCompletion(loop);
    Shedder.State shedding = slo.shedding();
    CompletableFuture<Runnable> admitted = shedding.sheds(call.latencyClass())
        ? CompletableFuture.failedFuture(new GatewayException.Shed("shedding " + shedding.describe() + " while SLO '"
            + slo.protectedObjective() + "' burns its error budget too fast; retry later",
            slo.spec().shedding().hold().toNanos()))
        : tenants.admit(call);
    CompletableFuture<Answer> answer;
    if (admitted.isDone()) { // the common case: a tenant without limits, or a limiter that answered from its lease
      answer = admitted.isCompletedExceptionally() ? admitted.thenApply(r -> (Answer) null) : admitted(call,
          admitted.join());
    } else {
      CompletableFuture<Answer> outer = new CompletableFuture<>();
      admitted.whenComplete((refund, e) -> {
        if (e != null) {
          outer.completeExceptionally(e);
        } else if (!outer.isDone()) { // not cancelled while the limiter was asked
          CompletableFuture<Answer> inner = admitted(call, refund);
          propagateCancel(outer, inner);
          inner.whenComplete((a, x) -> {
            if (x != null) outer.completeExceptionally(x); else outer.complete(a);
          });
        }
      });
      answer = outer;
    }
    answer.whenComplete((a, e) -> {
      long nanos = System.nanoTime() - t0;
      String reason = e == null ? "ok" : ErrorMapping.toHttp(e).reason();
      if (e == null) {
        metrics.served(call.door(), call.model(), a.variant(), call.texts().size(), nanos / 1e9);
      } else {
        metrics.failed(call.door(), call.model(), reason, nanos / 1e9);
      }
      tenantMetrics.answered(call.tenant().id(), call.latencyClass(), reason, nanos / 1e9,
          a == null ? -1 : a.parameters().queueMs() / 1e3);
      var span = io.opentelemetry.api.trace.Span.fromContext(call.context()).getSpanContext();
      slo.answered(call.latencyClass(), call.tenant().id(), reason, nanos, span.isValid() ? span.getTraceId() : null);
    });
    return answer;
  }

  /** Routes, looks up the cache and dispatches an admitted call; gives its charge back if the gateway fails it. */
  private CompletableFuture<Answer> admitted(InferenceCall call, Runnable refund) {
    CompletableFuture<Answer> answer;
    try {
      Decision decision = dispatcher.route(call);
      answer = call.noCache() || !cache.enabled() ? bypass(call, decision) : cached(call, decision);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((a, e) -> {
      if (e != null && ourFault(e)) refund.run();
    });
    return answer;
  }

  /** Whether a failure is the gateway's, not the caller's: a server error, or a lane's overload refusal. */
  private static boolean ourFault(Throwable e) {
    ErrorMapping.HttpError h = ErrorMapping.toHttp(e);
    return h.status() >= 500 || (h.status() == 429 && !(ErrorMapping.unwrap(e) instanceof GatewayException));
  }

  /** A request's call and the decision it would get: what explain shows. */
  public record Explained(InferenceCall call, Decision decision) {}

  /** The decision a request would get, computing nothing, counting nothing, changing no routing state: explain. */
  public Explained explain(DoorRequest request) {
    InferenceCall call = calls.call(request);
    return new Explained(call, dispatcher.decide(call));
  }

  /** Counts a request that failed before it became a call (a decode error), under {@code door}. */
  public void decodeFailed(String door, String model, Throwable error, long startNanos) {
    metrics.failed(door, model == null ? "" : model, ErrorMapping.toHttp(error).reason(),
        (System.nanoTime() - startNanos) / 1e9);
  }

  public EmbeddingCache cache() {
    return cache;
  }

  public SloGuard slo() {
    return slo;
  }

  private CompletableFuture<Answer> bypass(InferenceCall call, Decision decision) {
    tracer.spanBuilder("cache").setParent(call.context()).setAttribute(CACHE_HITS, 0).setAttribute(CACHE_MISSES, 0)
        .setAttribute(CACHE_BYPASS, true).startSpan().end();
    CompletableFuture<Dispatched> dispatched = dispatcher.dispatch(call, decision);
    CompletableFuture<Answer> answer = dispatched.thenApply(d -> {
      LaneResult r = d.result();
      return new Answer(r.vectors(), r.tokenCounts(), r.variant(),
          ResponseParameters.computed(call, decision, d, "bypass", 0, r.tokenCounts()));
    });
    propagateCancel(answer, dispatched);
    return answer;
  }

  private CompletableFuture<Answer> cached(InferenceCall call, Decision decision) {
    Candidate first = decision.candidates().get(0);
    ModelSpec model = call.snapshot().topology().model(call.model()).orElseThrow();
    String normalisation = model.pooling() + "+l2";
    List<String> texts = call.texts();
    List<EmbeddingCache.Key> keys = new ArrayList<>(texts.size());
    List<CompletableFuture<EmbeddingCache.Entry>> futures = new ArrayList<>(texts.size());
    List<Integer> owned = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      EmbeddingCache.Key key = EmbeddingCache.Key.of(call.model(), first.variant(), normalisation, texts.get(i));
      EmbeddingCache.Lookup l = cache.lookupOrClaim(key);
      keys.add(key);
      futures.add(l.future());
      if (l.owned()) owned.add(i);
    }
    int hits = texts.size() - owned.size();
    tracer.spanBuilder("cache").setParent(call.context()).setAttribute(CACHE_HITS, hits)
        .setAttribute(CACHE_MISSES, owned.size()).setAttribute(CACHE_BYPASS, false).startSpan().end();
    metrics.cacheLookups(call.model(), first.variant(), hits, owned.size());

    CompletableFuture<Dispatched> dispatched;
    if (owned.isEmpty()) {
      dispatched = CompletableFuture.completedFuture(null);
    } else {
      List<String> missing = new ArrayList<>(owned.size());
      for (int i : owned) missing.add(texts.get(i));
      dispatched = dispatcher.dispatch(call.withTexts(missing), decision);
      dispatched.whenComplete((d, e) -> {
        for (int j = 0; j < owned.size(); j++) {
          int i = owned.get(j);
          if (e != null) {
            cache.fail(keys.get(i), futures.get(i), e);
          } else {
            LaneResult r = d.result();
            cache.complete(keys.get(i), futures.get(i),
                new EmbeddingCache.Entry(r.vectors()[j], r.tokenCounts()[j], r.variant()));
          }
        }
      });
    }
    CompletableFuture<Answer> answer = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenCombine(dispatched, (ignored, d) -> {
          float[][] vectors = new float[texts.size()][];
          int[] tokens = new int[texts.size()];
          for (int i = 0; i < texts.size(); i++) {
            EmbeddingCache.Entry e = futures.get(i).join();
            vectors[i] = e.vector();
            tokens[i] = e.tokens();
          }
          if (d == null) {
            String variant = futures.get(0).join().variant();
            return new Answer(vectors, tokens, variant,
                ResponseParameters.cached(call, decision, first, device(first.lane()), variant, tokens));
          }
          String state = hits == 0 ? "miss" : "partial";
          return new Answer(vectors, tokens, d.result().variant(),
              ResponseParameters.computed(call, decision, d, state, hits, tokens));
        })
        // a text another request was computing failed there (that request's error, or its caller cancelled):
        // not this request's fault, so compute it all again without the cache, on the same decision; this
        // request's own errors stand
        .exceptionallyCompose(e -> {
          if (dispatched.isCompletedExceptionally()) return dispatched.thenApply(d -> (Answer) null); // our own error
          return call.deadlineNanos() < System.nanoTime() ? CompletableFuture.failedFuture(e) : bypass(call, decision);
        });
    propagateCancel(answer, dispatched);
    return answer;
  }

  /** The first device of a lane, for an answer the cache gave whole: where it would have run. */
  private DeviceStatus device(String lane) {
    Lane l = lanes.find(lane).orElse(null);
    return l == null || l.devices().isEmpty() ? null : l.devices().get(0);
  }

  private static void propagateCancel(CompletableFuture<?> outer, CompletableFuture<?> inner) {
    outer.whenComplete((r, e) -> {
      if (outer.isCancelled()) inner.cancel(false);
    });
  }
}
