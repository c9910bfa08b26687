package dev.laneway.gateway.telemetry;

import static dev.laneway.base.AttributeNames.DEVICE;
import static dev.laneway.base.AttributeNames.DOOR;
import static dev.laneway.base.AttributeNames.LANE;
import static dev.laneway.base.AttributeNames.MODEL;
import static dev.laneway.base.AttributeNames.OUTCOME;
import static dev.laneway.base.AttributeNames.REGION;
import static dev.laneway.base.AttributeNames.VARIANT;

import dev.laneway.gateway.Gateway;
import dev.laneway.gateway.pipeline.ErrorMapping;

import dev.laneway.base.ModelKey;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.observability.Labels;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.Map;
import java.util.TreeSet;

/**
 * The gateway's metrics, through the OpenTelemetry API (the SDK's Prometheus reader exports them on the metrics
 * port). Labels are bounded: door, model, variant, lane, region, device, outcome — never a request or a tenant key.
 *
 * <p>Fallbacks, degraded answers, refusals and breaker state are {@link RoutingMetrics}' (Meter
 * {@code dev.laneway.routing}), recorded by the dispatcher. Per-request instruments are recorded by the pipeline; lane and device state is
 * observed from the lanes at scrape time. Attribute names are {@code dev.laneway.base.AttributeNames}. What the executors know (model load time, cold starts, failed batches) is theirs to record
 * ({@code ExecutorTelemetry}, scope {@code dev.laneway.executor}).
 */
public final class GatewayMetrics {
  private final LongCounter requests;
  private final DoubleHistogram requestDuration;
  private final LongCounter texts;
  private final Labels models;

  public GatewayMetrics(Meter meter, Lanes lanes) {
    models = modelLabels(lanes);
    requests = meter.counterBuilder("laneway.requests")
        .setDescription("Inference requests answered, by outcome (ok or the error reason)").build();
    requestDuration = meter.histogramBuilder("laneway.request.duration").setUnit("s")
        .setDescription("Time from decoding a request to its answer, in the gateway").build();
    texts = meter.counterBuilder("laneway.texts").setDescription("Texts embedded for answered requests").build();

    for (Lane lane : lanes.all()) {
      Attributes a = Attributes.of(LANE, lane.id(), REGION, lane.spec().region());
      meter.gaugeBuilder("laneway.lane.in_flight").ofLongs().setDescription("Texts accepted by the lane, not yet answered")
          .buildWithCallback(m -> m.record(lane.inFlight(), a));
      meter.gaugeBuilder("laneway.admission.refused").ofLongs()
          .setDescription("1 when the lane's admission refused a model variant (specialised lanes), 0 when admitted")
          .buildWithCallback(m -> lane.health().admission().forEach((key, r) -> m.record(r.admitted() ? 0 : 1,
              a.toBuilder().put(MODEL, r.model()).put(VARIANT, r.variant()).build())));
      for (DeviceStatus d : lane.devices()) {
        Attributes da = Attributes.builder().putAll(a).put(DEVICE, d.device()).put("kind", d.kind())
            .put("provider", d.provider()).build();
        meter.gaugeBuilder("laneway.device.stand_in").ofLongs()
            .setDescription("1 when the device runs on the CPU provider in place of its accelerator")
            .buildWithCallback(m -> m.record(d.standIn() ? 1 : 0, da));
        if (Double.isNaN(d.cpuFallbackRatio())) continue; // an accelerator's provider: placement not exposed
        for (dev.laneway.base.ModelKey k : lane.models()) {
          Attributes ka = Attributes.builder().putAll(a).put(DEVICE, d.device()).put("model", k.model())
              .put("variant", k.variant()).build();
          meter.gaugeBuilder("laneway.cpu_fallback.ratio").setUnit("1")
              .setDescription("Share of the variant's graph nodes on the CPU provider (M6): 1 on a stand-in")
              .buildWithCallback(m -> m.record(d.cpuFallbackRatio(), ka));
        }
      }
    }
  }

  /** Records one failed request by its error reason (see {@link ErrorMapping.HttpError#reason()}). */
  public void failed(String door, String model, String reason, double seconds) {
    Attributes attrs = Attributes.of(DOOR, door, MODEL, models.bound(model), OUTCOME, reason);
    requests.add(1, attrs);
    requestDuration.record(seconds, attrs);
  }

  // ---- every door's requests and the per-input cache ----------------------------------------------------

  private LongCounter cacheHits;
  private LongCounter cacheMisses;
  private LongCounter cacheEvictions;

  /** Registers the cache instruments; {@code bytes} is read at collection time. Called once, at start. */
  public void registerCache(java.util.function.LongSupplier bytes, Meter meter) {
    cacheHits = meter.counterBuilder("laneway.cache.hits")
        .setDescription("Texts answered from the embedding cache (including ones another request was computing)").build();
    cacheMisses = meter.counterBuilder("laneway.cache.misses")
        .setDescription("Texts not in the embedding cache, computed by a lane").build();
    cacheEvictions = meter.counterBuilder("laneway.cache.evictions")
        .setDescription("Cache entries evicted by the size bound or the TTL").build();
    meter.gaugeBuilder("laneway.cache.bytes").ofLongs().setUnit("By")
        .setDescription("Bytes held by the embedding cache").buildWithCallback(m -> m.record(bytes.getAsLong()));
  }

  private final java.util.concurrent.atomic.LongAdder hitCount = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder lookupCount = new java.util.concurrent.atomic.LongAdder();

  /** Texts answered from the cache / texts looked up, since start; NaN before the first look-up (the status page). */
  public double cacheHitRatio() {
    long n = lookupCount.sum();
    return n == 0 ? Double.NaN : (double) hitCount.sum() / n;
  }

  /** One request's look-ups (any thread). */
  public void cacheLookups(String model, String variant, int hits, int misses) {
    hitCount.add(hits);
    lookupCount.add(hits + misses);
    if (cacheHits == null) return;
    Attributes a = Attributes.of(MODEL, modelLabel(model), VARIANT, variant);
    if (hits > 0) cacheHits.add(hits, a);
    if (misses > 0) cacheMisses.add(misses, a);
  }

  public void cacheEvicted(String model, String variant) {
    if (cacheEvictions != null) cacheEvictions.add(1, Attributes.of(MODEL, modelLabel(model), VARIANT, variant));
  }

  /**
   * One answered request on any door (any thread): {@code laneway.requests} and its duration, outcome ok, and its
   * texts ({@code laneway.texts}).
   */
  public void served(String door, String model, String variant, int texts, double seconds) {
    Attributes attrs = Attributes.of(DOOR, door, MODEL, modelLabel(model), VARIANT, variant, OUTCOME, "ok");
    requests.add(1, attrs);
    requestDuration.record(seconds, attrs);
    this.texts.add(texts, attrs);
  }

  // ---- bounded model labels ----

  /**
   * The model names this gateway serves (from its lanes), for labels built from request data: any other name is
   * recorded as {@link Labels#UNKNOWN}, so a request for {@code no-such-model} adds no time series.
   */
  static Labels modelLabels(Lanes lanes) {
    TreeSet<String> names = new TreeSet<>();
    for (Lane lane : lanes.all()) {
      for (ModelKey key : lane.models()) names.add(key.model());
    }
    return Labels.of(names);
  }

  /** The bounded value for a model name taken from a request. */
  String modelLabel(String model) {
    return models.bound(model);
  }

  /** Labels of {@code laneway_build_info}: the version, the execution providers in use, the Java feature release. */
  public static Map<String, String> buildInfo(Lanes lanes) {
    TreeSet<String> providers = new TreeSet<>();
    for (Lane lane : lanes.all()) {
      for (DeviceStatus d : lane.devices()) providers.add(d.provider());
    }
    return Map.of("version", Gateway.VERSION, "providers", String.join(",", providers),
        "java", Integer.toString(Runtime.version().feature()));
  }
}
