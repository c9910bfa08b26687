package dev.laneway.lanes;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.OnnxGraph;
import dev.laneway.runtime.ModelSource;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import dev.laneway.topology.AdmissionSpec;
import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Admission of a model variant to a specialised lane, checked when the lane loads: the variant is quantized, the lane
 * declares static shapes, every operator of the ONNX graph is in the lane's {@code supported_ops}, and the mean cosine
 * similarity of its vectors to the model's fp32 variant over the calibration set ({@code laneway/calibration.txt}, 50
 * English and Chinese sentences) is at least the lane's {@code min_cosine}. The mean is the bound's statistic
 * (measured: MiniLM int8 0.989, BGE int8 0.990, single sentences down to about 0.97).
 *
 * <p>General lanes admit every variant their class allows. Runs on the lane's loader thread; the cosine measurement
 * runs both variants once per JVM on the CPU provider and is cached.
 */
public final class Admission {
  private static final Logger LOG = Logger.getLogger(Admission.class.getName());
  private static final String CALIBRATION = "laneway/calibration.txt";
  private static final Map<String, Double> COSINES = new ConcurrentHashMap<>();
  /** Memo keys of {@link #COSINES} read from the persisted file rather than measured (said in the admission log line). */
  private static final Set<String> FROM_FILE = ConcurrentHashMap.newKeySet();
  /** Where measured cosines persist across starts; null: measured at every start. */
  private static volatile Path persisted;

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
  public static Map<String, Result> check(LaneSpec lane, Topology topology) {
    Map<String, Result> out = new java.util.LinkedHashMap<>();
    if (lane.laneClass() != LaneClass.SPECIALISED) return out;
    for (ModelSpec m : topology.models()) {
      for (VariantSpec v : m.variants()) {
        if (!Topology.admits(lane, v)) continue;
        Result r = check(lane, m, v);
        out.put(Lane.key(m.name(), v), r);
        if (r.admitted()) {
          boolean fromFile = reference(m).map(ref -> FROM_FILE.contains(memoKey(v, ref))).orElse(false);
          LOG.info("admission: lane " + lane.id() + " admits " + m.name() + ":" + v.name()
              + (r.meanCosine() > 0 ? String.format(" (mean cosine vs fp32 %.4f%s)", r.meanCosine(),
                  fromFile ? ", measured at an earlier start: " + persisted : "") : ""));
        } else {
          LOG.warning("admission: lane " + lane.id() + " refuses " + m.name() + ":" + v.name() + ": " + r.reason());
        }
      }
    }
    return out;
  }

  /** One variant on one specialised lane. */
  public static Result check(LaneSpec lane, ModelSpec model, VariantSpec variant) {
    AdmissionSpec spec = lane.admission();
    List<String> reasons = new ArrayList<>();
    if (!variant.quantized()) reasons.add("variant is not quantized");
    String shapes = staticShapes(lane);
    if (shapes != null) reasons.add(shapes);
    if (!spec.supportedOps().isEmpty()) {
      Set<String> ops = OnnxGraph.operators(ModelSource.of(variant.onnx()).readAllBytes());
      Set<String> unsupported = new TreeSet<>(ops);
      unsupported.removeAll(spec.supportedOps());
      if (!unsupported.isEmpty()) reasons.add("unsupported operators " + unsupported);
    }
    double cosine = 0;
    if (spec.minCosine() > 0 && reasons.isEmpty()) {
      VariantSpec reference = reference(model).orElse(null);
      if (reference == null) {
        reasons.add("no fp32 variant to measure the quantization delta against");
      } else {
        cosine = COSINES.computeIfAbsent(memoKey(variant, reference),
            k -> persistedOrMeasured(k, model, reference, variant));
        if (cosine < spec.minCosine()) {
          reasons.add(String.format("mean cosine vs %s %.4f < min_cosine %.4f", reference.name(), cosine, spec.minCosine()));
        }
      }
    }
    return new Result(model.name(), variant.name(), reasons.isEmpty(), reasons, cosine);
  }

  /** The fp32 variant a quantized one is measured against. */
  private static Optional<VariantSpec> reference(ModelSpec model) {
    return model.variants().stream().filter(v -> !v.quantized()).findFirst();
  }

  /** This process's memo key for one quantized variant measured against its reference. */
  private static String memoKey(VariantSpec quantized, VariantSpec reference) {
    return quantized.onnx() + "|" + reference.onnx();
  }

  /**
   * Keeps measured cosines in {@code file} (a properties file, created with its directory when first written), keyed
   * by a digest of everything the figure depends on: both variants' model and tokenizer fingerprints
   * ({@link ModelSource#fingerprint}: a jar entry's CRC-32 and size, a file's path, size and time), pooling, maximum
   * sequence length and the calibration sentences. A start then reads the figure instead of running both variants
   * over the calibration set (about 1.5 s per model here). Null: measure at every start (the default for a bare
   * {@code Admission}; the gateway sets {@code --admission-cache}).
   */
  public static void persistIn(Path file) {
    persisted = file;
  }

  /** For tests: forgets this process's measured cosines, so the next check reads the persisted file or measures. */
  static void forgetMeasured() {
    COSINES.clear();
    FROM_FILE.clear();
  }

  private static double persistedOrMeasured(String memoKey, ModelSpec model, VariantSpec reference,
      VariantSpec quantized) {
    Path file = persisted;
    if (file == null) return meanCosine(model, reference, quantized);
    String key;
    try {
      key = cacheKey(model, reference, quantized);
    } catch (RuntimeException e) {
      LOG.warning("admission cache: cannot fingerprint " + model.name() + " (" + e.getMessage() + "); measuring");
      return meanCosine(model, reference, quantized);
    }
    synchronized (Admission.class) {
      Properties p = load(file);
      String v = p.getProperty(key);
      if (v != null) {
        try {
          double cached = Double.parseDouble(v);
          FROM_FILE.add(memoKey);
          return cached;
        } catch (NumberFormatException e) {
          LOG.warning("admission cache: " + file + ": unreadable value for " + model.name() + "; measuring again");
        }
      }
    }
    double measured = meanCosine(model, reference, quantized);
    synchronized (Admission.class) {
      Properties p = load(file); // read again: another lane's loader may have written its figure meanwhile
      p.setProperty(key, Double.toString(measured));
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".admission", ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
          p.store(out, "Laneway admission: mean cosine of quantized variants vs fp32 (safe to delete)");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        LOG.warning("admission cache: cannot write " + file + " (" + e.getMessage() + "); measured again next start");
      }
    }
    return measured;
  }

  private static Properties load(Path file) {
    Properties p = new Properties();
    if (!Files.isRegularFile(file)) return p;
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException | RuntimeException e) {
      LOG.warning("admission cache: cannot read " + file + " (" + e.getMessage() + "); measuring");
      return new Properties();
    }
    return p;
  }

  static String cacheKey(ModelSpec model, VariantSpec reference, VariantSpec quantized) {
    StringBuilder b = new StringBuilder("v1\n");
    for (VariantSpec v : List.of(reference, quantized)) {
      b.append(ModelSource.of(v.onnx()).fingerprint()).append('\n');
      b.append(ModelSource.of(v.tokenizer()).fingerprint()).append('\n');
    }
    b.append(model.pooling()).append(' ').append(model.maxSequenceLength()).append('\n');
    b.append(String.join("\n", calibration()));
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(b.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Static shapes must be declared: {@code static_batch_sizes} and {@code static_sequence_lengths} on the lane's
   * batching. Read through accessors when the topology has them (the batching issue adds them); a topology without
   * those keys leaves the check to the batching profile and says so once.
   */
  private static String staticShapes(LaneSpec lane) {
    Object batching = lane.batching();
    try {
      Object sizes = batching.getClass().getMethod("staticBatchSizes").invoke(batching);
      Object lengths = batching.getClass().getMethod("staticSequenceLengths").invoke(batching);
      if (sizes instanceof List<?> s && s.isEmpty() || lengths instanceof List<?> l && l.isEmpty()) {
        return "static shapes not declared (batching.static_batch_sizes and static_sequence_lengths)";
      }
      return null;
    } catch (NoSuchMethodException e) {
      if (WARNED.add(lane.id())) {
        LOG.info("admission: lane " + lane.id() + ": this topology has no static shape keys yet; shapes unchecked");
      }
      return null;
    } catch (ReflectiveOperationException e) {
      return "static shapes unreadable: " + e;
    }
  }

  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private static double meanCosine(ModelSpec model, VariantSpec reference, VariantSpec quantized) {
    List<String> sentences = calibration();
    float[][] a = embed(model, reference, sentences);
    float[][] b = embed(model, quantized, sentences);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double dot = 0;
      for (int j = 0; j < a[i].length; j++) dot += a[i][j] * b[i][j];
      sum += dot; // both are L2-normalised
    }
    return sum / a.length;
  }

  private static float[][] embed(ModelSpec model, VariantSpec variant, List<String> texts) {
    var spec = LocalLane.encoderSpec(model, variant);
    try (Tokenizer tok = Tokenizer.load(spec); EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1)) {
      float[][] out = new float[texts.size()][];
      int batch = 10;
      for (int i = 0; i < texts.size(); i += batch) {
        List<Tokens> t = new ArrayList<>();
        for (String x : texts.subList(i, Math.min(texts.size(), i + batch))) t.add(tok.encode(x));
        float[][] v = s.embed(t);
        System.arraycopy(v, 0, out, i, v.length);
      }
      return out;
    }
  }

  static List<String> calibration() {
    try (InputStream in = Admission.class.getClassLoader().getResourceAsStream(CALIBRATION)) {
      if (in == null) throw new IllegalStateException(CALIBRATION + " is missing from the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
