package dev.laneway.executor;

import static dev.laneway.base.AttributeNames.BATCH_PADDED_SHAPE;
import static dev.laneway.base.AttributeNames.BATCH_PADDING_EFFICIENCY;
import static dev.laneway.base.AttributeNames.BATCH_QUEUE_MS;
import static dev.laneway.base.AttributeNames.BATCH_REASON;
import static dev.laneway.base.AttributeNames.BATCH_SIZE;
import static dev.laneway.base.AttributeNames.CLASS;
import static dev.laneway.base.AttributeNames.DEVICE;
import static dev.laneway.base.AttributeNames.INSTANCE;
import static dev.laneway.base.AttributeNames.LANE;
import static dev.laneway.base.AttributeNames.MODEL;
import static dev.laneway.base.AttributeNames.REASON;
import static dev.laneway.base.AttributeNames.REGION;
import static dev.laneway.base.AttributeNames.STAND_IN;
import static dev.laneway.base.AttributeNames.TEXTS;
import static dev.laneway.base.AttributeNames.VARIANT;

import dev.laneway.base.ModelKey;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The executor's spans and metrics, through the OpenTelemetry API only (the gateway's SDK exports them; with
 * {@link OpenTelemetry#noop()} they cost next to nothing). Instrumentation scope {@code dev.laneway.executor};
 * attribute names from {@link dev.laneway.base.AttributeNames}.
 *
 * <p>Metrics (attributes {@code model}, {@code variant}, {@code lane}, {@code region}, {@code device}):
 * {@code laneway.queue.duration} (ms per item, with {@code class}), {@code laneway.compute.duration} (ms per batch),
 * {@code laneway.batch.size}, {@code laneway.padding.efficiency}, {@code laneway.inference.count},
 * {@code laneway.execution.count}, {@code laneway.drops} (with {@code reason}: deadline, cancelled, queue_full,
 * would_miss_deadline, shed, device_error); per lane ({@code lane}, {@code region}) the observable
 * {@code laneway.queue.depth} and {@code laneway.device.errors} (failed batches); once, when the lane is ready, per
 * model variant ({@code model}, {@code variant}, {@code lane}, {@code region}) {@code laneway.model.load.duration} (ms:
 * session open + warm-up batch, the slowest instance) and {@code laneway.cold_starts} (sessions opened cold); and
 * {@code laneway.oom.splits} (a batch split in two after failing to allocate on its device, see {@link DeviceMemory}).
 *
 * <p>Thread-safe; called from submitters, the tokenizer thread, instance threads and the watchdog.
 */
final class ExecutorTelemetry implements AutoCloseable {

  private final String lane;
  private final String region;
  private final Tracer tracer;
  private final DoubleHistogram queueDuration;
  private final DoubleHistogram computeDuration;
  private final LongHistogram batchSize;
  private final DoubleHistogram paddingEfficiency;
  private final LongCounter inferences;
  private final LongCounter executions;
  private final LongCounter drops;
  private final ObservableLongGauge queueDepth;
  private final ObservableLongCounter deviceErrors;
  private final DoubleHistogram loadDuration;
  private final LongCounter coldStarts;
  private final LongCounter oomSplits;
  private final Attributes laneAttrs;
  private final Map<Series, Attributes> attributes = new ConcurrentHashMap<>();

  /** One label set of the per-batch instruments. */
  private record Series(ModelKey key, String device) {}

  /**
   * @param depth items held in the lane's queue, read at collection time
   * @param failedBatches batches that failed on a device so far, read at collection time
   */
  ExecutorTelemetry(OpenTelemetry otel, String lane, String region, LongSupplier depth, LongSupplier failedBatches) {
    this.lane = lane;
    this.region = region;
    this.tracer = otel.getTracer("dev.laneway.executor");
    Meter meter = otel.getMeter("dev.laneway.executor");
    queueDuration = meter.histogramBuilder("laneway.queue.duration").setUnit("s")
        .setDescription("Time one text waited in a lane queue, from submit to its batch's start").build();
    computeDuration = meter.histogramBuilder("laneway.compute.duration").setUnit("s")
        .setDescription("One batch execution on a device").build();
    batchSize = meter.histogramBuilder("laneway.batch.size").ofLongs().setUnit("{item}")
        .setDescription("Items per batch execution").build();
    paddingEfficiency = meter.histogramBuilder("laneway.padding.efficiency").setUnit("1")
        .setDescription("Real tokens / computed tokens of one batch").build();
    inferences = meter.counterBuilder("laneway.inference.count")
        .setDescription("Texts computed (Triton's nv_inference_count)").build();
    executions = meter.counterBuilder("laneway.execution.count")
        .setDescription("Batches run (Triton's nv_inference_exec_count)").build();
    drops = meter.counterBuilder("laneway.drops")
        .setDescription("Texts not computed, by reason: deadline, cancelled, queue_full, device_error").build();
    laneAttrs = Attributes.of(LANE, lane, REGION, region);
    queueDepth = meter.gaugeBuilder("laneway.queue.depth").ofLongs()
        .setDescription("Texts held in the lane's queue (queued or being tokenised)")
        .buildWithCallback(m -> m.record(depth.getAsLong(), laneAttrs));
    deviceErrors = meter.counterBuilder("laneway.device.errors").setDescription("Batches that failed on the device")
        .buildWithCallback(m -> m.record(failedBatches.getAsLong(), laneAttrs));
    loadDuration = meter.histogramBuilder("laneway.model.load.duration").setUnit("s")
        .setDescription("Time for a model variant to become ready on a lane: session open + warm-up batch").build();
    coldStarts = meter.counterBuilder("laneway.cold_starts")
        .setDescription("Model sessions opened cold (one per device, shared by its instances), at start-up or on "
            + "reload").build();
    oomSplits = meter.counterBuilder("laneway.oom.splits")
        .setDescription("Batches split in two and retried after failing to allocate on the device").build();
  }

  /** A batch failed to allocate on the device and was split in two. */
  void split(ModelKey modelKey, String device) {
    oomSplits.add(1, attrs(modelKey, device));
  }

  /**
   * Once, when the lane is ready: per model variant the time it took to become ready (the slowest instance) and the
   * sessions opened cold.
   */
  void started(Map<ModelKey, Long> loadNanos, Map<ModelKey, Integer> cold) {
    for (Map.Entry<ModelKey, Long> e : loadNanos.entrySet()) {
      Attributes a = laneAttrs.toBuilder().put(MODEL, e.getKey().model()).put(VARIANT, e.getKey().variant()).build();
      loadDuration.record(e.getValue() / 1e9, a);
      coldStarts.add(cold.getOrDefault(e.getKey(), 1), a);
    }
  }

  Tracer tracer() {
    return tracer;
  }

  /** A {@code tokenize} span, child of the request's context. */
  Span startTokenize(Context parent, ModelKey modelKey, int texts) {
    return tracer.spanBuilder("tokenize").setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .setAttribute(LANE, lane).setAttribute(TEXTS, (long) texts).setAttribute(MODEL, modelKey.model())
        .startSpan();
  }

  /**
   * Starts the {@code batch} span on the instance thread, linked to every distinct request span it serves, and links
   * each request span back to it.
   */
  Span startBatch(Batcher.Dispatch<?> d, List<Context> requests, long[] queueMs, ModelKey modelKey, String device,
      int instance, boolean standIn) {
    // a batch that served one request is part of that request's trace (nothing is misattributed); a batch shared by
    // several requests is a trace of its own; either way it links to every request it served, and they link back
    List<Context> valid = requests.stream().filter(c -> Span.fromContext(c).getSpanContext().isValid()).toList();
    SpanBuilder b = tracer.spanBuilder("batch").setSpanKind(SpanKind.INTERNAL);
    if (valid.size() == 1) {
      b.setParent(valid.get(0));
    } else {
      b.setNoParent();
    }
    b.setAttribute(BATCH_SIZE, (long) d.items().size())
        .setAttribute(BATCH_PADDED_SHAPE, d.paddedShape())
        .setAttribute(BATCH_PADDING_EFFICIENCY, d.paddingEfficiency())
        .setAttribute(BATCH_QUEUE_MS, boxed(queueMs))
        .setAttribute(LANE, lane)
        .setAttribute(DEVICE, device)
        .setAttribute(INSTANCE, (long) instance)
        .setAttribute(MODEL, modelKey.model())
        .setAttribute(VARIANT, modelKey.variant())
        .setAttribute(STAND_IN, standIn)
        .setAttribute(BATCH_REASON, d.reason());
    for (Context c : requests) {
      SpanContext sc = Span.fromContext(c).getSpanContext();
      if (sc.isValid()) b.addLink(sc);
    }
    Span batch = b.startSpan();
    if (batch.getSpanContext().isValid()) {
      for (Context c : requests) {
        Span s = Span.fromContext(c);
        if (s.getSpanContext().isValid()) s.addLink(batch.getSpanContext());
      }
    }
    return batch;
  }

  void queued(ModelKey modelKey, String device, Priority p, long queueNanos) {
    queueDuration.record(queueNanos / 1e9, attrs(modelKey, device).toBuilder().put(CLASS, p.wireName()).build());
  }

  void batch(ModelKey modelKey, String device, int size, long computeNanos, double efficiency) {
    Attributes a = attrs(modelKey, device);
    computeDuration.record(computeNanos / 1e9, a);
    batchSize.record(size, a);
    paddingEfficiency.record(efficiency, a);
    inferences.add(size, a);
    executions.add(1, a);
  }

  /** Counts {@code n} dropped texts; {@code device} may be null when none was involved. */
  void dropped(ModelKey modelKey, String device, String reason, int n) {
    Attributes base = device == null
        ? Attributes.of(MODEL, modelKey.model(), VARIANT, modelKey.variant(), LANE, lane, REGION, region)
        : attrs(modelKey, device);
    drops.add(n, base.toBuilder().put(REASON, reason).build());
  }

  private Attributes attrs(ModelKey modelKey, String device) {
    return attributes.computeIfAbsent(new Series(modelKey, device), k -> Attributes.of(
        MODEL, modelKey.model(), VARIANT, modelKey.variant(), LANE, lane, REGION, region, DEVICE, device));
  }

  private static List<Long> boxed(long[] v) {
    Long[] out = new Long[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return List.of(out);
  }

  /** Unregisters the observed instruments' callbacks (a closed lane reports nothing). */
  @Override
  public void close() {
    queueDepth.close();
    deviceErrors.close();
  }
}
