package dev.laneway.lanes;

import static dev.laneway.base.AttributeNames.LANE;
import static dev.laneway.base.AttributeNames.MODEL;
import static dev.laneway.base.AttributeNames.OUTCOME;
import static dev.laneway.base.AttributeNames.REGION;
import static dev.laneway.base.AttributeNames.VARIANT;

import dev.laneway.base.ModelKey;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Watches what the lanes answer, after admission: shadow checks of served answers against the model's reference
 * variant, the output check's outcomes, and the demotion and re-admission they lead to (the NPU article's F3
 * quantization drift on real traffic and F8 sporadic incorrect outputs; its runbook's "validate model accuracy on
 * recent traffic" and "automated rollback on accuracy regression").
 *
 * <p>Shadow checks: a sample of the answers of a variant that is not the model's reference (the first variant that is
 * not quantized), {@code shadow_rate} of them and at most {@code shadow_per_minute}, has its first text recomputed on
 * the reference variant by a lane of the same region (the text never leaves the region it was served in), with the
 * {@code batch} class, the lowest priority, as tenant {@value #TENANT}; only when that lane has an instance free
 * (fewer texts in flight than instances), else the check is dropped, never queued. The cosine between the two vectors
 * goes to the {@link DriftWindow} of (lane, variant) and to the {@code laneway.drift.cosine} histogram. While a lane is
 * demoted for a variant, the checks continue as a trickle: a sampled answer of the same model in the same region (by
 * its fallback, or any lane) is also computed on the demoted lane, through its guard, so its injected faults and its
 * output check apply. Shadow calls are not client traffic: no gateway request metric, tenant limit or latency estimate
 * sees them.
 *
 * <p>Threads: hooks are called by {@link GuardedLane} on the lane threads that complete attempts; shadow calls are
 * submitted from there and completed on the reference lane's threads; admin reads and pins from the event loop.
 */
public final class DriftWatch {
  private static final Logger LOG = Logger.getLogger(DriftWatch.class.getName());
  /** The tenant shadow checks run as: the executor's fair share keeps them apart from clients. */
  public static final String TENANT = "laneway-shadow";
  private static final long SHADOW_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * @param shadowRate the fraction of eligible answers checked, 0..1 (0: no shadow checks, so no cosine demotion)
   * @param shadowPerMinute at most this many checks a minute, over all lanes
   * @param window shadow checks (and attempts, for the output check's rate) in a lane's window
   * @param sanityFailureRate the share of a window's answers that may fail the output check before demotion, 0..1
   */
  public record Options(double shadowRate, int shadowPerMinute, int window, double sanityFailureRate) {
    public static final Options DEFAULT = new Options(0.01, 60, 50, 0.05);

    public Options {
      if (!(shadowRate >= 0 && shadowRate <= 1)) {
        throw new IllegalArgumentException("shadow_rate: " + shadowRate + " (expected: 0..1)");
      }
      if (shadowPerMinute < 0) {
        throw new IllegalArgumentException("shadow_per_minute: " + shadowPerMinute + " (expected: >= 0)");
      }
      if (window < 1) throw new IllegalArgumentException("window: " + window + " (expected: >= 1)");
      if (!(sanityFailureRate >= 0 && sanityFailureRate <= 1)) {
        throw new IllegalArgumentException("sanity_failure_rate: " + sanityFailureRate + " (expected: 0..1)");
      }
    }
  }

  private final Options options;
  private final ShadowSampler sampler;
  private final Map<String, Map<ModelKey, DriftWindow>> windows = new ConcurrentHashMap<>();
  private volatile List<Lane> lanes = List.of();
  private final DoubleHistogram cosine;
  private final LongCounter shadowChecks;
  private final LongCounter sanityFailures;

  private DriftWatch(Options options, LongSupplier nanos, OpenTelemetry otel, java.util.Random random) {
    this.options = options;
    this.sampler = new ShadowSampler(options.shadowRate(), options.shadowPerMinute(), nanos, random);
    Meter meter = otel.getMeter("dev.laneway.lanes");
    cosine = meter.histogramBuilder("laneway.drift.cosine").setUnit("1")
        .setDescription("Cosine of a served vector to the reference variant's, per shadow check").build();
    shadowChecks = meter.counterBuilder("laneway.drift.shadow_checks")
        .setDescription("Shadow checks by outcome: checked, busy (dropped: no reference lane with an instance free), failed")
        .build();
    sanityFailures = meter.counterBuilder("laneway.output.sanity_failures")
        .setDescription("Answers that failed the output check (non-finite, wrong norm or dimension): device errors")
        .build();
    meter.gaugeBuilder("laneway.drift.cosine_mean").setUnit("1")
        .setDescription("Rolling mean cosine to the reference variant over a lane's window of shadow checks")
        .buildWithCallback(m -> states().forEach(s -> {
          if (!Double.isNaN(s.meanCosine())) m.record(s.meanCosine(), attributes(s.lane(), s.model(), s.variant()));
        }));
    meter.gaugeBuilder("laneway.drift.demoted").ofLongs()
        .setDescription("1 while routing skips the lane for the variant (reason drift), else 0")
        .buildWithCallback(m -> states().forEach(s -> m.record(s.demoted() ? 1 : 0,
            attributes(s.lane(), s.model(), s.variant()))));
  }

  /** A watch with its own clock (for the per-minute cap) and random draws; the lanes come with {@link #bind}. */
  public static DriftWatch create(Options options, LongSupplier nanos, OpenTelemetry otel, java.util.Random random) {
    return new DriftWatch(options, nanos, otel, random);
  }

  /** With the system clock and unseeded draws. */
  public static DriftWatch create(Options options, OpenTelemetry otel) {
    return create(options, System::nanoTime, otel, new java.util.Random());
  }

  /** No shadow checks; the output check's failures counted but never demoting (a bare guarded lane's). */
  static DriftWatch off() {
    return create(new Options(0, 0, 50, 1), OpenTelemetry.noop());
  }

  /** The lanes shadow checks may run on; called once they are started. */
  void bind(Collection<Lane> started) {
    lanes = List.copyOf(started);
  }

  public Options options() {
    return options;
  }

  private DriftWindow window(Lane lane, ModelKey key) {
    return windows.computeIfAbsent(lane.id(), l -> new ConcurrentHashMap<>()).computeIfAbsent(key,
        k -> new DriftWindow(options.window(), lane.spec().admission().minCosine(), options.sanityFailureRate()));
  }

  private Attributes attributes(String lane, String model, String variant) {
    return Attributes.of(LANE, lane, MODEL, model, VARIANT, variant);
  }

  /** An attempt's output check on {@code lane}: counted, and its window may demote the variant. */
  void sanity(Lane lane, ModelKey key, String problem) {
    if (problem != null) {
      sanityFailures.add(1, Attributes.of(LANE, lane.id(), REGION, lane.spec().region(), MODEL, key.model(),
          VARIANT, key.variant()));
    }
    changed(lane.id(), key, window(lane, key).sanity(problem == null));
  }

  private void changed(String lane, ModelKey key, DriftWindow.Change change) {
    switch (change) {
      case DEMOTED -> LOG.warning("drift: lane " + lane + " demoted for " + key + ": "
          + windows.get(lane).get(key).demotedReason() + "; routing skips it (reason drift)");
      case READMITTED -> LOG.info("drift: lane " + lane + " re-admitted for " + key + ": mean cosine "
          + String.format("%.4f", windows.get(lane).get(key).mean()) + " over a full window of checks");
      case NONE -> { }
    }
  }

  /** Why routing skips {@code model:variant} on the lane (drift), or null. */
  public String demotedReason(String lane, String model, String variant) {
    Map<ModelKey, DriftWindow> byKey = windows.get(lane);
    DriftWindow w = byKey == null ? null : byKey.get(ModelKey.of(model, variant));
    return w == null ? null : w.demotedReason();
  }

  /**
   * An operator's pin: {@code demoted} or {@code admitted} holds until {@code auto}, which clears the windows and
   * returns to the automatic rule. Throws {@link IllegalArgumentException} for an unknown lane or state.
   */
  public DriftState pin(String laneId, ModelKey key, String state) {
    Lane lane = lanes.stream().filter(l -> l.id().equals(laneId)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("lane: unknown '" + laneId + "'"));
    if (!lane.serves(key.model(), key.variant()) && lane.health().notAdmitted(key.model(), key.variant()) == null) {
      throw new IllegalArgumentException(key + ": not served by lane " + laneId);
    }
    DriftWindow w = window(lane, key);
    switch (state) {
      case "demoted" -> w.pin(true);
      case "admitted" -> w.pin(false);
      case "auto" -> w.unpin();
      default -> throw new IllegalArgumentException("state: '" + state + "' (expected: demoted, admitted or auto)");
    }
    LOG.info("drift: lane " + laneId + " " + key + " pinned " + state + " by an operator");
    return w.snapshot(laneId, key);
  }

  /** Every (lane, variant) with a window, for admin and metrics. */
  public List<DriftState> states() {
    List<DriftState> out = new ArrayList<>();
    windows.forEach((lane, byKey) -> byKey.forEach((key, w) -> out.add(w.snapshot(lane, key))));
    out.sort(java.util.Comparator.comparing(DriftState::lane).thenComparing(DriftState::model)
        .thenComparing(DriftState::variant));
    return out;
  }

  /**
   * A client's answer from {@code lane} passed the output check: maybe sample it for a shadow check (and for the
   * trickle on a lane demoted for the same model in the region). Never blocks; called on the completing lane thread.
   */
  void answered(Lane lane, LaneCall call, LaneResult result) {
    if (call.tenant().equals(TENANT) || call.texts().isEmpty() || lanes.isEmpty()) return;
    ModelSpec model = call.model();
    VariantSpec reference = reference(model).orElse(null);
    if (reference == null || !sampler.take()) return;
    String region = lane.spec().region();
    List<String> text = List.of(call.texts().getFirst());
    float[] served = result.vectors()[0];
    CompletableFuture<float[]> truth;
    if (call.variant().name().equals(reference.name())) {
      truth = CompletableFuture.completedFuture(served);
    } else {
      truth = compute(referenceLane(model, reference, region), model, reference, text);
      truth.thenAccept(t -> record(lane, ModelKey.of(model.name(), call.variant().name()), served, t));
    }
    // the trickle: one lane demoted for this model in this region computes the same text
    for (Lane other : lanes) {
      if (other.id().equals(lane.id()) || !other.spec().region().equals(region)) continue;
      for (VariantSpec v : model.variants()) {
        if (demotedReason(other.id(), model.name(), v.name()) == null) continue;
        CompletableFuture<float[]> probe = compute(Optional.of(other), model, v, text);
        truth.thenAcceptBoth(probe, (t, p) -> record(other, ModelKey.of(model.name(), v.name()), p, t));
        return;
      }
    }
  }

  private void record(Lane lane, ModelKey key, float[] served, float[] truth) {
    double c = cosine(served, truth);
    cosine.record(c, attributes(lane.id(), key.model(), key.variant()));
    changed(lane.id(), key, window(lane, key).check(c));
  }

  /** Runs one text on {@code lane} as a shadow call; the future fails (quietly: counted) when it cannot. */
  private CompletableFuture<float[]> compute(Optional<Lane> lane, ModelSpec model, VariantSpec variant,
      List<String> text) {
    if (lane.isEmpty()) {
      shadowChecks.add(1, Attributes.of(OUTCOME, "busy"));
      return CompletableFuture.failedFuture(new IllegalStateException("no reference lane free"));
    }
    LaneCall call = new LaneCall(model, variant, text, System.nanoTime() + SHADOW_DEADLINE_NANOS, "batch", TENANT, 1);
    CompletableFuture<LaneResult> f;
    try {
      f = lane.get().infer(call);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.handle((r, e) -> {
      shadowChecks.add(1, Attributes.of(OUTCOME, e == null ? "checked" : "failed"));
      if (e != null) throw new java.util.concurrent.CompletionException(e);
      return r.vectors()[0];
    });
  }

  /** A lane of the region serving the reference variant, available, not demoted, with an instance free. */
  private Optional<Lane> referenceLane(ModelSpec model, VariantSpec reference, String region) {
    for (Lane l : lanes) {
      if (!l.spec().region().equals(region) || !l.serves(model.name(), reference.name())) continue;
      if (l.health().unavailableReason() != null || demotedReason(l.id(), model.name(), reference.name()) != null) {
        continue;
      }
      int instances = l.spec().instances() * Math.max(1, l.spec().devices().size());
      if (l.inFlight() < instances) return Optional.of(l);
    }
    return Optional.empty();
  }

  /** The variant others are measured against: the first that is not quantized (as admission's). */
  static Optional<VariantSpec> reference(ModelSpec model) {
    return model.variants().stream().filter(v -> !v.quantized()).findFirst();
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }
}
