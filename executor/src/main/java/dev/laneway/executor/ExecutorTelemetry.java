package dev.laneway.executor;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
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
 * {@link OpenTelemetry#noop()} they cost next to nothing). Instrumentation scope {@code dev.laneway.executor}.
 *
 * <p>Metrics (attributes {@code model}, {@code variant}, {@code lane}, {@code region}, {@code device}):
 * {@code laneway.queue.duration} (ms per item, with {@code class}), {@code laneway.compute.duration} (ms per batch),
 * {@code laneway.batch.size}, {@code laneway.padding.efficiency}, {@code laneway.inference.count},
 * {@code laneway.execution.count}, {@code laneway.drops} (with {@code reason}: deadline, cancelled, queue_full,
 * device_error) and the observable {@code laneway.queue.depth} (lane, region).
 *
 * <p>Thread-safe; called from submitters, the tokenizer thread and instance threads.
 */
final class ExecutorTelemetry implements AutoCloseable {
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
  static final AttributeKey<String> VARIANT = AttributeKey.stringKey("variant");
  static final AttributeKey<String> LANE = AttributeKey.stringKey("lane");
  static final AttributeKey<String> REGION = AttributeKey.stringKey("region");
  static final AttributeKey<String> DEVICE = AttributeKey.stringKey("device");
  static final AttributeKey<String> CLASS = AttributeKey.stringKey("class");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("batch.size");
  static final AttributeKey<String> PADDED_SHAPE = AttributeKey.stringKey("batch.padded_shape");
  static final AttributeKey<Double> PADDING_EFFICIENCY = AttributeKey.doubleKey("batch.padding_efficiency");
  static final AttributeKey<List<Long>> QUEUE_MS = AttributeKey.longArrayKey("batch.queue_ms");
  static final AttributeKey<Long> INSTANCE = AttributeKey.longKey("instance");
  static final AttributeKey<Boolean> STAND_IN = AttributeKey.booleanKey("stand_in");

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
  private final Map<String, Attributes> attributes = new ConcurrentHashMap<>();

  ExecutorTelemetry(OpenTelemetry otel, String lane, String region, LongSupplier depth) {
    this.lane = lane;
    this.region = region;
    this.tracer = otel.getTracer("dev.laneway.executor");
    Meter meter = otel.getMeter("dev.laneway.executor");
    queueDuration = meter.histogramBuilder("laneway.queue.duration").setUnit("ms")
        .setDescription("Time one text waited in a lane queue, from submit to its batch's start").build();
    computeDuration = meter.histogramBuilder("laneway.compute.duration").setUnit("ms")
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
    Attributes laneAttrs = Attributes.of(LANE, lane, REGION, region);
    queueDepth = meter.gaugeBuilder("laneway.queue.depth").ofLongs()
        .setDescription("Texts held in the lane's queue (queued or being tokenised)")
        .buildWithCallback(m -> m.record(depth.getAsLong(), laneAttrs));
  }

  Tracer tracer() {
    return tracer;
  }

  /** A {@code tokenize} span, child of the request's context. */
  Span startTokenize(Context parent, String modelKey, int texts) {
    return tracer.spanBuilder("tokenize").setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .setAttribute(LANE, lane).setAttribute("texts", (long) texts).setAttribute(MODEL, model(modelKey))
        .startSpan();
  }

  /**
   * Starts the {@code batch} span on the instance thread, linked to every distinct request span it serves, and links
   * each request span back to it.
   */
  Span startBatch(Batcher.Dispatch<?> d, List<Context> requests, long[] queueMs, String modelKey, String device,
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
        .setAttribute(PADDED_SHAPE, d.paddedShape())
        .setAttribute(PADDING_EFFICIENCY, d.paddingEfficiency())
        .setAttribute(QUEUE_MS, boxed(queueMs))
        .setAttribute(LANE, lane)
        .setAttribute(DEVICE, device)
        .setAttribute(INSTANCE, (long) instance)
        .setAttribute(MODEL, model(modelKey))
        .setAttribute(VARIANT, variant(modelKey))
        .setAttribute(STAND_IN, standIn)
        .setAttribute("batch.reason", d.reason());
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

  void queued(String modelKey, String device, Priority p, long queueNanos) {
    queueDuration.record(queueNanos / 1e6, attrs(modelKey, device).toBuilder().put(CLASS, p.wireName()).build());
  }

  void batch(String modelKey, String device, int size, long computeNanos, double efficiency) {
    Attributes a = attrs(modelKey, device);
    computeDuration.record(computeNanos / 1e6, a);
    batchSize.record(size, a);
    paddingEfficiency.record(efficiency, a);
    inferences.add(size, a);
    executions.add(1, a);
  }

  /** Counts {@code n} dropped texts; {@code device} may be null when none was involved. */
  void dropped(String modelKey, String device, String reason, int n) {
    Attributes base = device == null
        ? Attributes.of(MODEL, model(modelKey), VARIANT, variant(modelKey), LANE, lane, REGION, region)
        : attrs(modelKey, device);
    drops.add(n, base.toBuilder().put(REASON, reason).build());
  }

  private Attributes attrs(String modelKey, String device) {
    return attributes.computeIfAbsent(modelKey + "|" + device, k -> Attributes.of(
        MODEL, model(modelKey), VARIANT, variant(modelKey), LANE, lane, REGION, region, DEVICE, device));
  }

  static String model(String key) {
    int i = key.lastIndexOf(':');
    return i < 0 ? key : key.substring(0, i);
  }

  static String variant(String key) {
    int i = key.lastIndexOf(':');
    return i < 0 ? "" : key.substring(i + 1);
  }

  private static List<Long> boxed(long[] v) {
    Long[] out = new Long[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return List.of(out);
  }

  /** Unregisters the queue-depth callback (a closed lane reports nothing). */
  @Override
  public void close() {
    queueDepth.close();
  }
}
