package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.Calibration;
import dev.laneway.executor.ModelFiles;
import dev.laneway.topology.AdmissionSpec;
import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Admission of a model variant to a specialised lane, checked when the lane loads: the variant is quantized, the lane
 * declares static shapes, every operator of the ONNX graph is in the lane's {@code supported_ops}, and the mean cosine
 * similarity of its vectors to the model's fp32 variant over the calibration set is at least the lane's
 * {@code min_cosine}. This is the policy; the executor measures ({@link Calibration}, which keeps its figures across
 * starts in the file {@link #persistIn} names) and reads the graph ({@link ModelFiles#operators}).
 *
 * <p>General lanes admit every variant their class allows. Runs on the lanes' loader threads.
 */
public final class Admission {
  private static final Logger LOG = Logger.getLogger(Admission.class.getName());

  /** One variant's verdict on one lane. */
  public record Result(String model, String variant, boolean admitted, List<String> reasons, double meanCosine) {
    public Result {
      reasons = List.copyOf(reasons);
    }

    /** The refusal as one line, or empty when admitted. */
    public String reason() {
      return String.join("; ", reasons);
    }
  }

  private Admission() {}

  /** Checks every variant of the topology that may run on this lane's class; results by {@code model:variant}. */
  public static Map<ModelKey, Result> check(LaneSpec lane, Topology topology) {
    Map<ModelKey, Result> out = new LinkedHashMap<>();
    if (lane.laneClass() != LaneClass.SPECIALISED) return out;
    for (ModelSpec m : topology.models()) {
      for (VariantSpec v : m.variants()) {
        if (!Topology.admits(lane, v)) continue;
        Verdict verdict = verdict(lane, m, v);
        Result r = verdict.result();
        ModelKey key = Lane.key(m.name(), v);
        out.put(key, r);
        if (r.admitted()) {
          LOG.info("admission: lane " + lane.id() + " admits " + key
              + (r.meanCosine() > 0 ? String.format(" (mean cosine vs fp32 %.4f%s)", r.meanCosine(),
                  verdict.cosineFromFile() ? ", measured at an earlier start: " + Calibration.persistedIn() : "") : ""));
        } else {
          LOG.warning("admission: lane " + lane.id() + " refuses " + key + ": " + r.reason());
        }
      }
    }
    return out;
  }

  /**
   * The verdicts with the lane's device version pins applied: when a device of the lane pins a
   * {@code runtime_version} the running ONNX Runtime does not match, every variant the lane loads is refused with the
   * reason (the NPU article's F6, M15), on general lanes too, so routing skips the lane as not admitted.
   */
  public static Map<ModelKey, Result> pinned(LaneSpec lane, Topology topology, Map<ModelKey, Result> verdicts,
      Set<ModelKey> loaded) {
    String running = ModelFiles.runtimeVersion();
    List<String> mismatches = new ArrayList<>();
    for (String id : lane.devices()) {
      String pin = topology.device(id).runtimeVersion();
      if (pin != null && !pin.equals(running)) {
        mismatches.add("runtime version mismatch: device " + id + " pins onnxruntime " + pin + ", this process runs "
            + running);
      }
    }
    if (mismatches.isEmpty()) return verdicts;
    Map<ModelKey, Result> out = new LinkedHashMap<>(verdicts);
    for (ModelKey k : loaded) {
      Result r = out.get(k);
      List<String> reasons = new ArrayList<>(r == null ? List.of() : r.reasons());
      reasons.addAll(mismatches);
      out.put(k, new Result(k.model(), k.variant(), false, reasons, r == null ? 0 : r.meanCosine()));
    }
    LOG.warning("lane " + lane.id() + " takes no traffic: " + String.join("; ", mismatches));
    return out;
  }

  /** One variant on one specialised lane. */
  public static Result check(LaneSpec lane, ModelSpec model, VariantSpec variant) {
    return verdict(lane, model, variant).result();
  }

  /** A result, and whether its cosine was read from the persisted file (measured at an earlier start). */
  private record Verdict(Result result, boolean cosineFromFile) {}

  private static Verdict verdict(LaneSpec lane, ModelSpec model, VariantSpec variant) {
    AdmissionSpec spec = lane.admission();
    List<String> reasons = new ArrayList<>();
    if (!variant.quantized()) reasons.add("variant is not quantized");
    String shapes = staticShapes(lane);
    if (shapes != null) reasons.add(shapes);
    if (!spec.supportedOps().isEmpty()) {
      Set<String> ops = ModelFiles.operators(LocalLane.executorModel(model, variant));
      Set<String> unsupported = new TreeSet<>(ops);
      unsupported.removeAll(spec.supportedOps());
      if (!unsupported.isEmpty()) reasons.add("unsupported operators " + unsupported);
    }
    double cosine = 0;
    boolean fromFile = false;
    if (spec.minCosine() > 0 && reasons.isEmpty()) {
      VariantSpec reference = reference(model).orElse(null);
      if (reference == null) {
        reasons.add("no fp32 variant to measure the quantization delta against");
      } else {
        Calibration.Cosine c = Calibration.meanCosine(LocalLane.executorModel(model, reference),
            LocalLane.executorModel(model, variant));
        cosine = c.mean();
        fromFile = c.fromFile();
        if (cosine < spec.minCosine()) {
          reasons.add(String.format("mean cosine vs %s %.4f < min_cosine %.4f", reference.name(), cosine, spec.minCosine()));
        }
      }
    }
    return new Verdict(new Result(model.name(), variant.name(), reasons.isEmpty(), reasons, cosine), fromFile);
  }

  /** The fp32 variant a quantized one is measured against. */
  private static Optional<VariantSpec> reference(ModelSpec model) {
    return model.variants().stream().filter(v -> !v.quantized()).findFirst();
  }

  /**
   * Keeps measured cosines in {@code file} across starts (see {@link Calibration#persistIn}); null: measure at every
   * start (the default for a bare {@code Admission}; the gateway sets {@code --admission-cache}).
   */
  public static void persistIn(Path file) {
    Calibration.persistIn(file);
  }

  /** Static shapes must be declared: {@code static_batch_sizes} and {@code static_sequence_lengths}. */
  private static String staticShapes(LaneSpec lane) {
    if (lane.batching().staticBatchSizes().isEmpty() || lane.batching().staticSequenceLengths().isEmpty()) {
      return "static shapes not declared (batching.static_batch_sizes and static_sequence_lengths)";
    }
    return null;
  }
}
