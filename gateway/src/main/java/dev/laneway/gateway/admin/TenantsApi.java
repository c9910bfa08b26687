package dev.laneway.gateway.admin;

import dev.laneway.gateway.pipeline.Routes;
import dev.laneway.gateway.tenants.TenantLimiter;
import dev.laneway.routing.Limits;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.routing.Tenant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v2/admin/tenants} and {@code GET /v2/admin/tenants/{id}}: each tenant the serving policy declares (and
 * the anonymous one) with its weight, latency classes, declared limits and each limit's state in this gateway's
 * limiter (quota, remaining, seconds to reset, shadow), charging nothing. Behind the admin API's authentication
 * ({@link AdminApi} mounts it first). {@link #describe} is also what {@code /v2/routing/explain} shows of a tenant.
 */
public final class TenantsApi {
  private final Routes routes;
  private final TenantLimiter limiter;

  public TenantsApi(Routes routes, TenantLimiter limiter) {
    this.routes = routes;
    this.limiter = limiter;
  }

  public void mount(Router r) {
    r.get("/v2/admin/tenants").handler(this::all);
    r.get("/v2/admin/tenants/:id").handler(this::one);
  }

  private void all(RoutingContext ctx) {
    RoutingPolicy policy = routes.current().policy();
    JsonArray out = new JsonArray();
    for (Tenant t : policy.tenants()) out.add(describe(t, limiter));
    out.add(describe(policy.authenticateAnonymous(), limiter));
    json(ctx, 200, new JsonObject().put("tenants", out));
  }

  private void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    RoutingPolicy policy = routes.current().policy();
    Tenant t = id.equals(Tenant.ANONYMOUS.id()) ? policy.authenticateAnonymous() : policy.tenant(id).orElse(null);
    if (t == null) {
      json(ctx, 404, new JsonObject().put("error", "unknown tenant '" + id + "' (expected one of: "
          + policy.tenants().stream().map(Tenant::id).toList() + " or anonymous)"));
      return;
    }
    json(ctx, 200, describe(t, limiter));
  }

  /** A tenant as the policy declares it (defaults applied) and its limits' state now. */
  public static JsonObject describe(Tenant t, TenantLimiter limiter) {
    Limits l = t.limits();
    JsonArray state = new JsonArray();
    if (!l.isEmpty()) limiter.state(t).forEach(s -> state.add(new JsonObject(s.toMap())));
    return new JsonObject().put("id", t.id()).put("weight", t.weightOrDefault())
        .put("classes", t.classes().isEmpty() ? null : new JsonArray(t.classes()))
        .put("limited", !l.isEmpty()).put("limits", state);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
