package dev.laneway.gateway.slo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;

/**
 * {@code GET /v2/slo}: every SLI of the SLO file with its target and window, and this gateway's own counts and burn
 * rate over each window it keeps (5m, 1h, the shedding window); then what shedding does now. Read-only, on the HTTP
 * port beside the inference doors (no admin token: it says nothing a tenant could abuse). The status page reads it.
 *
 * <pre>
 * {"source":"embedded default (...)","objectives":[{"slo":"interactive-latency","objective":"interactive",
 *   "latency_class":"interactive","tenant":null,"sli":"latency","target":0.99,"window":"28d","threshold_ms":50.0,
 *   "windows":{"5m":{"total":120,"bad":30,"burn_rate":25.0},...}}],
 *  "shedding":{"enabled":true,"protects":"interactive","state":"batch+standard","level":2,...}}
 * </pre>
 */
public final class SloApi {
  private final SloGuard guard;

  public SloApi(SloGuard guard) {
    this.guard = guard;
  }

  public void mount(Router router) {
    router.get("/v2/slo").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(describe(guard).toBuffer()));
  }

  /** The document {@code GET /v2/slo} answers (the status page embeds it). Any thread. */
  public static JsonObject describe(SloGuard guard) {
    JsonArray objectives = new JsonArray();
    for (SloSpec.Sli s : guard.slis()) {
      JsonObject windows = new JsonObject();
      for (Duration w : guard.windows()) {
        BurnRates.Window r = guard.window(s, w);
        windows.put(RuleText.duration(w), new JsonObject().put("total", r.total()).put("bad", r.bad())
            .put("burn_rate", Math.round(r.burnRate() * 100) / 100.0));
      }
      objectives.add(new JsonObject().put("slo", s.id()).put("objective", s.objective().name())
          .put("latency_class", s.objective().latencyClass()).put("tenant", s.objective().tenant())
          .put("sli", s.kind()).put("target", s.target()).put("window", RuleText.duration(s.window()))
          .put("threshold_ms", s.threshold() == null ? null : s.threshold().toNanos() / 1e6)
          .put("windows", windows));
    }
    SloSpec.Shedding cfg = guard.spec().shedding();
    Shedder.State st = guard.shedding();
    JsonObject shedding = new JsonObject().put("enabled", guard.protectedObjective() != null)
        .put("protects", cfg.protect()).put("state", st.describe()).put("level", st.level())
        .put("window", RuleText.duration(cfg.window())).put("batch_above", cfg.batchAbove())
        .put("standard_above", cfg.standardAbove()).put("recover_below", cfg.recoverBelow())
        .put("hold", RuleText.duration(cfg.hold())).put("min_requests", cfg.minRequests());
    return new JsonObject().put("source", guard.spec().source()).put("objectives", objectives)
        .put("not_counted", new JsonArray(guard.spec().notCounted())).put("shedding", shedding);
  }
}
