package dev.laneway.gateway.admin;

import dev.laneway.base.ModelKey;
import dev.laneway.lanes.DriftState;
import dev.laneway.lanes.DriftWatch;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The drift state of every lane and variant, and an operator's pin, behind the admin API's authentication
 * ({@link AdminApi} mounts it first):
 *
 * <pre>
 * GET  /v2/admin/drift                  each (lane, variant) with a window: demoted, reason, pin, mean cosine, checks,
 *                                       output-check failures in the window, bound, window
 * POST /v2/admin/lanes/{lane}/drift     {"model":"all-minilm-l6-v2","variant":"int8","state":"demoted"}; state
 *                                       demoted or admitted holds until "auto" (the automatic rule, windows cleared)
 * </pre>
 */
public final class DriftApi {
  private final DriftWatch drift;

  public DriftApi(DriftWatch drift) {
    this.drift = drift;
  }

  public void mount(Router r) {
    r.get("/v2/admin/drift").handler(this::all);
    r.post("/v2/admin/lanes/:lane/drift").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(this::pin);
  }

  private void all(RoutingContext ctx) {
    JsonArray out = new JsonArray();
    for (DriftState s : drift.states()) out.add(describe(s));
    DriftWatch.Options o = drift.options();
    json(ctx, 200, new JsonObject().put("drift", out).put("options", new JsonObject()
        .put("shadow_rate", o.shadowRate()).put("shadow_per_minute", o.shadowPerMinute()).put("window", o.window())
        .put("sanity_failure_rate", o.sanityFailureRate())));
  }

  private void pin(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      json(ctx, 400, error("body: expected {\"model\":M,\"variant\":V,\"state\":\"demoted\"|\"admitted\"|\"auto\"}"));
      return;
    }
    try {
      for (String k : new String[] {"model", "variant", "state"}) {
        if (!(body.getValue(k) instanceof String)) throw new IllegalArgumentException(k + ": expected a string");
      }
      DriftState s = drift.pin(ctx.pathParam("lane"), ModelKey.of(body.getString("model"), body.getString("variant")),
          body.getString("state"));
      json(ctx, 200, describe(s));
    } catch (IllegalArgumentException e) {
      json(ctx, String.valueOf(e.getMessage()).startsWith("lane: unknown") ? 404 : 400, error(e.getMessage()));
    }
  }

  static JsonObject describe(DriftState s) {
    return new JsonObject().put("lane", s.lane()).put("model", s.model()).put("variant", s.variant())
        .put("demoted", s.demoted()).put("reason", s.reason()).put("pin", s.pin())
        .put("mean_cosine", Double.isNaN(s.meanCosine()) ? null : s.meanCosine())
        .put("checks_in_window", s.checksInWindow()).put("checks", s.checks())
        .put("answers_in_window", s.attemptsInWindow()).put("sanity_failures_in_window", s.failuresInWindow())
        .put("bound", s.bound()).put("window", s.window());
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
