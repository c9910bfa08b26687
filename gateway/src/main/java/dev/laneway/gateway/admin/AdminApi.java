package dev.laneway.gateway.admin;

import dev.laneway.gateway.pipeline.Routes;
import dev.laneway.lanes.Lanes;
import dev.laneway.topology.Topology;
import dev.laneway.lanes.Admission;
import dev.laneway.lanes.DeviceFaults;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneHealth;
import dev.laneway.topology.Durations;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * The admin API (fault injection, lane state, reload), under {@code /v2/admin}. Authenticated by the
 * {@code x-admin-token} header equal to {@code --admin-token}; without a token configured it answers loopback
 * clients only (403 for others) and the gateway warns at start-up. Handlers run on the event loop; reload reads files
 * on a worker thread.
 *
 * <pre>
 * GET  /v2/admin/lanes                      each lane: breaker, in-flight by class, estimates, devices, faults, EWMA,
 *                                           admission
 * POST /v2/admin/devices/{device}/offline   the device's calls fail as if it were gone
 * POST /v2/admin/devices/{device}/online
 * POST /v2/admin/devices/{device}/fault     {"latency":"200ms","latency_rate":0.05,"failure_rate":0.3}; {} clears;
 *                                           output and memory faults: {"corrupt":0.5} (noise on every vector),
 *                                           {"nan_rate":0.01,"seed":7} (a non-finite value in that share of answers),
 *                                           {"throttle_per_in_flight":"5ms"} (latency growing with load),
 *                                           {"oom_above":8} (batches of more rows fail to allocate: split)
 * POST /v2/admin/reload                     re-read --topology/--policy; 422 with file:line:col errors
 * </pre>
 */
public final class AdminApi {
  private static final Logger LOG = Logger.getLogger(AdminApi.class.getName());
  static final String TOKEN_HEADER = "x-admin-token";

  private final Lanes lanes;
  private final Topology topology;
  private final Routes routes;
  private final Reloader reloader;
  private final String token;

  /** @param token the {@code x-admin-token} it requires; empty: loopback clients only */
  public AdminApi(Lanes lanes, Topology topology, Routes routes, Reloader reloader, String token) {
    this.lanes = lanes;
    this.topology = topology;
    this.routes = routes;
    this.reloader = reloader;
    this.token = token;
  }

  public void mount(Router r) {
    AdminApi api = this;
    r.route("/v2/admin/*").handler(api::authenticate);
    r.get("/v2/admin/lanes").handler(api::lanes);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    r.post("/v2/admin/devices/:device/offline").handler(ctx -> api.offline(ctx, true));
    r.post("/v2/admin/devices/:device/online").handler(ctx -> api.offline(ctx, false));
    r.post("/v2/admin/devices/:device/fault").handler(body).handler(api::fault);
    r.post("/v2/admin/reload").handler(api::reload);
  }

  private void authenticate(RoutingContext ctx) {
    if (token.isEmpty()) {
      var remote = ctx.request().remoteAddress();
      String host = remote == null ? "" : remote.hostAddress();
      if (!(host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1"))) {
        json(ctx, 403, error("the admin API answers loopback clients only when --admin-token is not set"));
        return;
      }
    } else if (!java.security.MessageDigest.isEqual(token.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        String.valueOf(ctx.request().getHeader(TOKEN_HEADER)).getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
      json(ctx, 401, error("missing or wrong " + TOKEN_HEADER));
      return;
    }
    ctx.next();
  }

  private void lanes(RoutingContext ctx) {
    DeviceFaults faults = lanes.faults();
    JsonArray out = new JsonArray();
    for (Lane lane : lanes.all()) {
      JsonArray devices = new JsonArray();
      for (DeviceStatus d : lane.devices()) {
        DeviceFaults.Fault f = faults.get(d.device());
        devices.add(new JsonObject().put("device", d.device()).put("kind", d.kind()).put("provider", d.provider())
            .put("stand_in", d.standIn()).put("offline", f.offline())
            .put("latency_ms", f.latency().toNanos() / 1e6).put("latency_rate", f.latencyRate())
            .put("failure_rate", f.failureRate()));
        output(devices.getJsonObject(devices.size() - 1), faults.output(d.device()));
      }
      JsonObject l = new JsonObject().put("id", lane.id()).put("region", lane.spec().region())
          .put("class", lane.spec().laneClass().name().toLowerCase(Locale.ROOT))
          .put("devices", devices).put("ready", lane.ready())
          .put("stand_in", lane.devices().stream().anyMatch(DeviceStatus::standIn))
          .put("in_flight", lane.inFlight());
      JsonObject estimates = new JsonObject();
      for (String cls : dev.laneway.topology.Batching.CLASSES.stream().sorted().toList()) {
        long e = lane.expectedCompletionNanos(cls, 1);
        estimates.put(cls, e < 0 ? null : e / 1e6);
      }
      l.put("estimate_ms", estimates);
      LaneHealth h = lane.health();
      JsonObject byClass = new JsonObject();
      for (String cls : dev.laneway.topology.Batching.CLASSES.stream().sorted().toList()) {
        byClass.put(cls, h.admittedInFlight(cls));
      }
      l.put("breaker", h.breakerState()).put("breaker_history", new JsonArray(h.breakerHistory()))
          .put("bulkhead_in_flight", h.admittedInFlight()).put("in_flight_by_class", byClass)
          .put("max_in_flight", lane.spec().maxInFlight()).put("ewma_ms", h.ewmaMs());
      JsonArray admission = new JsonArray();
      for (Admission.Result a : h.admission().values()) {
        admission.add(new JsonObject().put("model", a.model()).put("variant", a.variant())
            .put("admitted", a.admitted()).put("reason", a.reason()).put("mean_cosine", a.meanCosine()));
      }
      l.put("admission", admission);
      out.add(l);
    }
    json(ctx, 200, new JsonObject().put("lanes", out).put("policy", new JsonObject()
        .put("source", routes.current().policy().source())
        .put("version", reloader.version())));
  }

  private boolean knownDevice(RoutingContext ctx, String device) {
    if (topology.devices().stream().noneMatch(d -> d.id().equals(device))) {
      json(ctx, 404, error("unknown device '" + device + "'"));
      return false;
    }
    return true;
  }

  private void offline(RoutingContext ctx, boolean offline) {
    String device = ctx.pathParam("device");
    if (!knownDevice(ctx, device)) return;
    lanes.faults().setOffline(device, offline);
    LOG.info("admin: device " + device + (offline ? " offline" : " online"));
    json(ctx, 200, new JsonObject().put("device", device).put("offline", offline));
  }

  private void fault(RoutingContext ctx) {
    String device = ctx.pathParam("device");
    if (!knownDevice(ctx, device)) return;
    JsonObject body;
    try {
      body = ctx.body().buffer() == null || ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      json(ctx, 400, error("body: expected a JSON object such as {\"latency\":\"200ms\",\"failure_rate\":0.3}"));
      return;
    }
    try {
      for (String k : body.fieldNames()) {
        if (!FAULT_KEYS.contains(k)) {
          throw new IllegalArgumentException("unknown key '" + k + "' (expected one of: " + FAULT_KEYS + ")");
        }
      }
      DeviceFaults.OutputFault output = outputFault(body);
      Duration latency = body.containsKey("latency") ? Durations.parse(String.valueOf(body.getValue("latency"))) : null;
      if (latency != null && latency.isNegative()) throw new IllegalArgumentException("latency: expected >= 0");
      Double rate = null;
      if (body.containsKey("failure_rate")) {
        if (!(body.getValue("failure_rate") instanceof Number n)) {
          throw new IllegalArgumentException("failure_rate: expected a number 0..1");
        }
        rate = n.doubleValue();
        if (rate < 0 || rate > 1) throw new IllegalArgumentException("failure_rate: " + rate + " (expected: 0..1)");
      }
      Double latencyRate = null;
      if (body.containsKey("latency_rate")) {
        if (!(body.getValue("latency_rate") instanceof Number n)) {
          throw new IllegalArgumentException("latency_rate: expected a number 0..1");
        }
        latencyRate = n.doubleValue();
        if (latencyRate < 0 || latencyRate > 1) {
          throw new IllegalArgumentException("latency_rate: " + latencyRate + " (expected: 0..1)");
        }
      }
      lanes.faults().setFault(device, latency, rate, latencyRate, true);
      lanes.faults().setOutput(device, output);
      if (body.getValue("seed") instanceof Number seed) lanes.faults().seed(seed.longValue());
    } catch (IllegalArgumentException e) {
      json(ctx, 400, error(e.getMessage()));
      return;
    }
    DeviceFaults.Fault f = lanes.faults().get(device);
    DeviceFaults.OutputFault o = lanes.faults().output(device);
    LOG.info("admin: device " + device + " fault latency " + Durations.format(f.latency()) + " on "
        + f.latencyRate() + " of calls, failure rate " + f.failureRate() + ", corrupt " + o.corrupt() + ", nan rate "
        + o.nanRate() + ", throttle " + Durations.format(o.throttlePerInFlight()) + " per request in flight, oom above "
        + o.oomAbove() + " rows");
    json(ctx, 200, output(new JsonObject().put("device", device).put("offline", f.offline())
        .put("latency_ms", f.latency().toNanos() / 1e6).put("latency_rate", f.latencyRate())
        .put("failure_rate", f.failureRate()), o));
  }

  private static final java.util.Set<String> FAULT_KEYS = new java.util.TreeSet<>(java.util.List.of("corrupt",
      "failure_rate", "latency", "latency_rate", "nan_rate", "oom_above", "seed", "throttle_per_in_flight"));

  /** The output and memory faults of a fault body (absent keys: none); the record checks the ranges. */
  private static DeviceFaults.OutputFault outputFault(JsonObject body) {
    Duration throttle = body.containsKey("throttle_per_in_flight")
        ? Durations.parse(String.valueOf(body.getValue("throttle_per_in_flight"))) : Duration.ZERO;
    long oom = (long) number(body, "oom_above", 0);
    if (oom != (int) oom) throw new IllegalArgumentException("oom_above: " + oom + " (expected: a row count)");
    if (body.containsKey("seed")) number(body, "seed", 0);
    return new DeviceFaults.OutputFault(number(body, "corrupt", 0), number(body, "nan_rate", 0), throttle, (int) oom);
  }

  private static double number(JsonObject body, String key, double absent) {
    if (!body.containsKey(key)) return absent;
    if (!(body.getValue(key) instanceof Number n)) throw new IllegalArgumentException(key + ": expected a number");
    return n.doubleValue();
  }

  private static JsonObject output(JsonObject device, DeviceFaults.OutputFault o) {
    return device.put("corrupt", o.corrupt()).put("nan_rate", o.nanRate())
        .put("throttle_per_in_flight_ms", o.throttlePerInFlight().toNanos() / 1e6).put("oom_above", o.oomAbove());
  }

  private void reload(RoutingContext ctx) {
    ctx.vertx().executeBlocking(() -> reloader.reload("admin"), false).onComplete(ar -> {
      if (ar.failed()) {
        json(ctx, 500, error("reload failed: " + ar.cause()));
        return;
      }
      Reloader.Result r = ar.result();
      json(ctx, r.ok() ? 200 : 422, r.ok()
          ? new JsonObject().put("reloaded", true).put("version", r.version())
          : error(r.message()).put("version", r.version()));
    });
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
