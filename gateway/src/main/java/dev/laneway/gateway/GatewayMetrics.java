package dev.laneway.gateway;

import dev.laneway.executor.ExecutorStats;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.lanes.LocalLane;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.function.ToLongFunction;

/**
 * The gateway's metrics, through the OpenTelemetry API (the SDK's Prometheus reader exports them on the metrics
 * port). Labels are bounded: door, model, variant, lane, region, device, outcome — never a request or a tenant key.
 *
 * <p>Per-request instruments are recorded by the dispatch path; lane and device state is observed from the lanes at
 * scrape time.
 */
final class GatewayMetrics {
  static final AttributeKey<String> DOOR = AttributeKey.stringKey("door");
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
  static final AttributeKey<String> VARIANT = AttributeKey.stringKey("variant");
  static final AttributeKey<String> LANE = AttributeKey.stringKey("lane");
  static final AttributeKey<String> REGION = AttributeKey.stringKey("region");
  static final AttributeKey<String> DEVICE = AttributeKey.stringKey("device");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  static final AttributeKey<String> FROM_LANE = AttributeKey.stringKey("from_lane");
  static final AttributeKey<String> TO_LANE = AttributeKey.stringKey("to_lane");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

  private final LongCounter requests;
  private final DoubleHistogram requestDuration;
  private final LongCounter texts;
  private final LongCounter fallbacks;
  private final LongCounter degraded;
  private final LongCounter refusals;

  GatewayMetrics(Meter meter, Lanes lanes) {
    requests = meter.counterBuilder("laneway.requests")
        .setDescription("Inference requests answered, by outcome (ok or the error reason)").build();
    requestDuration = meter.histogramBuilder("laneway.request.duration").setUnit("ms")
        .setDescription("Time from decoding a request to its answer, in the gateway").build();
    texts = meter.counterBuilder("laneway.texts").setDescription("Texts embedded for answered requests").build();
    fallbacks = meter.counterBuilder("laneway.fallbacks")
        .setDescription("Requests passed from one lane to the next within the same request").build();
    degraded = meter.counterBuilder("laneway.degraded")
        .setDescription("Answers served by a lane other than the first choice").build();
    refusals = meter.counterBuilder("laneway.refusals")
        .setDescription("Requests refused before reaching a lane, by reason (residency, no_route, unauthorized, ...)").build();

    for (Lane lane : lanes.all()) {
      Attributes a = Attributes.of(LANE, lane.id(), REGION, lane.spec().region());
      meter.gaugeBuilder("laneway.lane.in_flight").ofLongs().setDescription("Texts accepted by the lane, not yet answered")
          .buildWithCallback(m -> m.record(lane.inFlight(), a));
      if (lane instanceof LocalLane local) {
        stat(meter, "laneway.device.errors", "Batches that failed on the device", local, a,
            ExecutorStats::failedBatchCount);
      }
      for (DeviceStatus d : lane.devices()) {
        Attributes da = Attributes.builder().putAll(a).put(DEVICE, d.device()).put("kind", d.kind())
            .put("provider", d.provider()).build();
        meter.gaugeBuilder("laneway.device.stand_in").ofLongs()
            .setDescription("1 when the device runs on the CPU provider in place of its accelerator")
            .buildWithCallback(m -> m.record(d.standIn() ? 1 : 0, da));
      }
    }
  }

  private static void stat(Meter meter, String name, String description, LocalLane lane, Attributes a,
      ToLongFunction<ExecutorStats> value) {
    meter.counterBuilder(name).setDescription(description)
        .buildWithCallback(m -> m.record(value.applyAsLong(lane.executor().stats()), a));
  }

  /** Records one answered request (called once per request, on the event loop). */
  void answered(String door, Answer a, double durationMs) {
    var r = a.result();
    Attributes attrs = Attributes.builder().put(DOOR, door).put(MODEL, a.call().model()).put(VARIANT, r.variant())
        .put(LANE, r.lane()).put(REGION, r.region()).put(DEVICE, r.device()).put(OUTCOME, "ok").build();
    requests.add(1, attrs);
    requestDuration.record(durationMs, attrs);
    texts.add(a.call().texts().size(), attrs);
    if (a.degraded()) degraded.add(1, Attributes.of(MODEL, a.call().model(), LANE, r.lane(), REGION, r.region()));
  }

  /** Records one failed request by its error reason (see {@link ErrorMapping.HttpError#reason()}). */
  void failed(String door, String model, String reason, double durationMs) {
    Attributes attrs = Attributes.of(DOOR, door, MODEL, model, OUTCOME, reason);
    requests.add(1, attrs);
    requestDuration.record(durationMs, attrs);
  }

  void fallback(String fromLane, String toLane, String reason) {
    fallbacks.add(1, Attributes.of(FROM_LANE, fromLane, TO_LANE, toLane, REASON, reason));
  }

  void refused(String reason) {
    refusals.add(1, Attributes.of(REASON, reason));
  }
}
