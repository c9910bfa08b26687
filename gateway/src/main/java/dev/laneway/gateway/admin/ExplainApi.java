package dev.laneway.gateway.admin;

import dev.laneway.gateway.tenants.TenantLimiter;
import dev.laneway.gateway.pipeline.Pipeline;
import dev.laneway.lanes.Lanes;
import dev.laneway.gateway.oip.OipJson;
import dev.laneway.gateway.oip.OipRestApi;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneHealth;
import dev.laneway.protocol.Oip;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.routing.Skip;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /v2/routing/explain}: the routing decision a request would get, computing nothing. The body is an infer
 * body plus {@code model_name} (and optionally {@code model_version}); {@code inputs} may be left out. Headers count
 * as for infer ({@code x-api-key}, {@code x-laneway-region}, {@code x-laneway-latency-class}). The answer names the
 * matched rule, the candidates in order (with breaker state, expected completion time, EWMA latency and link RTT),
 * the spill when the preferred lane was passed over (and why), the class's latency budget, when a request would be
 * hedged, why each other lane was skipped (breaker open, residency, space, not admitted, not selected), and the
 * tenant's weight and limits with each limit's state now (nothing charged). Runs on
 * the event loop; never blocks; changes no routing state.
 */
public final class ExplainApi {
  private final Pipeline pipeline;
  private final Lanes lanes;
  private final Reloader reloader;
  private final TenantLimiter limiter;

  public ExplainApi(Pipeline pipeline, Lanes lanes, Reloader reloader, TenantLimiter limiter) {
    this.limiter = limiter;
    this.pipeline = pipeline;
    this.lanes = lanes;
    this.reloader = reloader;
  }

  public void mount(Router r, BodyHandler body) {
    r.post("/v2/routing/explain").handler(body).handler(this::explain);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private void explain(RoutingContext ctx) {
    try {
      JsonObject json;
      try {
        json = ctx.body().buffer() == null || ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
      } catch (DecodeException | ClassCastException e) {
        throw new GatewayException.BadRequest("request body: expected a JSON object");
      }
      Object model = json.remove("model_name");
      Object version = json.remove("model_version");
      if (!(model instanceof String m)) {
        throw new GatewayException.BadRequest("model_name: " + (model == null ? "missing" : "expected a string"));
      }
      if (version != null && !(version instanceof String)) {
        throw new GatewayException.BadRequest("model_version: expected a string");
      }
      if (!json.containsKey("inputs")) {
        json.put("inputs", new JsonArray().add(new JsonObject().put("name", Oip.INPUT).put("datatype", "BYTES")
            .put("shape", new JsonArray().add(1)).put("data", new JsonArray().add("explain"))));
      }
      OipJson.InferBody decoded = OipJson.decodeInfer(Buffer.buffer(json.encode()), Integer.MAX_VALUE);
      Pipeline.Explained explained = pipeline.explain(OipRestApi.request("explain", ctx, m, (String) version, decoded));
      InferenceCall call = explained.call();
      Decision d = explained.decision();
      var topology = call.snapshot().topology();
      JsonArray candidates = new JsonArray();
      var policy = call.snapshot().policy();
      var hedging = policy.hedging();
      for (int i = 0; i < d.candidates().size(); i++) {
        Candidate c = d.candidates().get(i);
        JsonObject o = new JsonObject().put("lane", c.lane()).put("region", c.region()).put("variant", c.variant())
            .put("degraded", c.degraded())
            .put("estimate_ms", Double.isNaN(c.estimateMs()) ? null : round(c.estimateMs()))
            .put("rtt_ms", topology.rtt(call.clientRegion(), c.region()).toNanos() / 1e6);
        Lane lane = lanes.find(c.lane()).orElse(null);
        if (lane != null) {
          LaneHealth h = lane.health();
          o.put("breaker", h.breakerState()).put("ewma_ms", round(h.ewmaMs()));
          if (i == 0 && hedging.hedges(call.latencyClass()) && d.candidates().size() > 1) {
            long recent = h.recentLatencyNanos(call.latencyClass(), hedging.quantile());
            o.put("hedge_after_ms", recent < 0 ? null
                : round(Math.max(hedging.minDelay().toNanos(), recent) / 1e6));
          }
        }
        candidates.add(o);
      }
      JsonArray skipped = new JsonArray();
      for (Skip s : d.skipped()) {
        skipped.add(new JsonObject().put("lane", s.lane()).put("kind", s.kind().wireName()).put("reason", s.reason()));
      }
      JsonObject out = new JsonObject().put("model_name", d.model()).put("model_version", d.variant())
          .put("rule", d.rule()).put("tenant", d.tenant()).put("client_region", call.clientRegion())
          .put("latency_class", call.latencyClass()).put("candidates", candidates).put("skipped", skipped)
          .put("blocked_by", d.blockedBy())
          .put("latency_budget_ms", policy.latencyBudget(call.latencyClass()).toNanos() / 1e6)
          .put("spill", d.spill() == null ? null : new JsonObject().put("from", d.spill().from())
              .put("to", d.spill().to()).put("reason", d.spill().reason())
              .put("from_ms", round(d.spill().fromMs())).put("to_ms", round(d.spill().toMs())))
          .put("hedging", hedging.hedges(call.latencyClass()))
          .put("tenant_limits", TenantsApi.describe(call.tenant(), limiter))
          .put("slo", sloShedding(call.latencyClass()))
          .put("policy", new JsonObject().put("source", policy.source()).put("version", reloader.version()));
      ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(out.toBuffer());
    } catch (RuntimeException e) {
      ErrorMapping.HttpError err = ErrorMapping.toHttp(e);
      ctx.response().setStatusCode(err.status()).putHeader("content-type", "application/json")
          .end(OipJson.error(err.message()));
    }
  }

  /** What the SLO guard does to the class now: {@code shed} true when it would be refused ({@code 429 slo_shed}). */
  private JsonObject sloShedding(String latencyClass) {
    var guard = pipeline.slo();
    var state = guard.shedding();
    return new JsonObject().put("protects", guard.protectedObjective()).put("shedding", state.describe())
        .put("shed", state.sheds(latencyClass));
  }
}
