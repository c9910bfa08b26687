package dev.laneway.gateway.status;

import dev.laneway.gateway.slo.RecentAnswers;
import dev.laneway.gateway.slo.SloApi;
import dev.laneway.gateway.slo.SloGuard;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.lanes.Admission;
import dev.laneway.lanes.DeviceFaults;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneHealth;
import dev.laneway.lanes.Lanes;
import dev.laneway.topology.Region;
import dev.laneway.topology.Topology;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * What the status page shows, as one JSON document ({@code GET /status.json}), read from the running gateway each time:
 * regions; each lane with its devices (provider, stand-in, faults in force), admission verdicts, breaker state and its
 * last transitions, requests inside it by class and the expected wait per class; p50/p99 per class over the last
 * minute; the SLOs' burn rates and shedding ({@link SloApi#describe}); the cache's hit ratio; and the slowest recent
 * requests with a link to each trace. Read-only; any thread.
 */
public final class StatusData {
  static final List<String> CLASSES = List.of("interactive", "standard", "batch");
  static final long MINUTE = Duration.ofMinutes(1).toNanos();

  private final Topology topology;
  private final Lanes lanes;
  private final SloGuard slo;
  private final GatewayMetrics metrics;
  private final String traceUrl;

  /** @param traceUrl a URL with {@code {trace_id}}, or empty for no links */
  public StatusData(Topology topology, Lanes lanes, SloGuard slo, GatewayMetrics metrics, String traceUrl) {
    this.topology = topology;
    this.lanes = lanes;
    this.slo = slo;
    this.metrics = metrics;
    this.traceUrl = traceUrl;
  }

  public JsonObject describe() {
    JsonArray regions = new JsonArray();
    for (Region r : topology.regions()) regions.add(r.id());
    JsonArray out = new JsonArray();
    DeviceFaults faults = lanes.faults();
    for (Lane lane : lanes.all()) out.add(lane(lane, faults));
    JsonObject latency = new JsonObject();
    for (String c : CLASSES) {
      RecentAnswers.Summary s = slo.recent().summary(c, MINUTE);
      latency.put(c, new JsonObject().put("count", s.count()).put("p50_ms", round(s.p50Ms()))
          .put("p99_ms", round(s.p99Ms())));
    }
    JsonArray slow = new JsonArray();
    for (RecentAnswers.Answer a : slo.recent().slowest(5, MINUTE)) {
      slow.add(new JsonObject().put("latency_class", a.latencyClass()).put("ms", round(a.durationNanos() / 1e6))
          .put("outcome", a.outcome()).put("trace_id", a.traceId())
          .put("trace_url", a.traceId() == null || traceUrl.isEmpty() ? null : traceUrl.replace("{trace_id}",
              a.traceId())));
    }
    double hit = metrics.cacheHitRatio();
    return new JsonObject().put("regions", regions).put("local_region", topology.localRegion()).put("lanes", out)
        .put("latency_last_minute", latency).put("slo", SloApi.describe(slo))
        .put("cache_hit_ratio", Double.isNaN(hit) ? null : round(hit)).put("slow_requests", slow);
  }

  private static JsonObject lane(Lane lane, DeviceFaults faults) {
    JsonArray devices = new JsonArray();
    JsonArray inForce = new JsonArray();
    for (DeviceStatus d : lane.devices()) {
      devices.add(new JsonObject().put("device", d.device()).put("kind", d.kind()).put("provider", d.provider())
          .put("stand_in", d.standIn()));
      DeviceFaults.Fault f = faults.get(d.device());
      if (f.offline()) inForce.add(d.device() + " offline");
      if (!f.latency().isZero() && f.latencyRate() > 0) {
        inForce.add(d.device() + " +" + f.latency().toMillis() + " ms on " + Math.round(f.latencyRate() * 100)
            + "% of calls");
      }
      if (f.failureRate() > 0) inForce.add(d.device() + " fails " + Math.round(f.failureRate() * 100) + "% of calls");
    }
    LaneHealth h = lane.health();
    JsonArray admission = new JsonArray();
    for (Admission.Result a : h.admission().values()) {
      admission.add(new JsonObject().put("model", a.model() + ":" + a.variant()).put("admitted", a.admitted())
          .put("reason", a.reason()));
    }
    JsonObject byClass = new JsonObject();
    JsonObject waits = new JsonObject();
    for (String c : CLASSES) {
      byClass.put(c, h.admittedInFlight(c));
      long w = lane.expectedWaitNanos(c);
      waits.put(c, w < 0 ? null : round(w / 1e6));
    }
    return new JsonObject().put("id", lane.id()).put("region", lane.spec().region()).put("ready", lane.ready())
        .put("devices", devices).put("faults", inForce).put("admission", admission)
        .put("breaker", h.breakerState()).put("breaker_history", new JsonArray(h.breakerHistory()))
        .put("in_flight", lane.inFlight()).put("in_flight_by_class", byClass).put("expected_wait_ms", waits);
  }

  static Double round(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
  }
}
