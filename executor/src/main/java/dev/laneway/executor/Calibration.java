package dev.laneway.executor;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * How close a quantized variant's vectors are to its reference's: the mean cosine similarity over the calibration set
 * ({@code laneway/calibration.txt}, 50 English and Chinese sentences), both variants run once on the CPU provider. The
 * mean is the statistic admission bounds with {@code min_cosine} (measured: MiniLM int8 0.989, BGE int8 0.990, single
 * sentences down to about 0.97).
 *
 * <p>A measurement is kept for the life of the process and, when {@link #persistIn} names a file, across starts:
 * keyed by a digest of everything the figure depends on (both variants' model and tokenizer fingerprints, pooling,
 * maximum sequence length and the calibration sentences), so a start reads the figure instead of running both variants
 * (about 1.5 s per model here), and any change to the files measures again.
 *
 * <pre>{@code
 * Calibration.persistIn(Path.of(System.getProperty("user.home"), ".cache/laneway/admission.properties"));
 * Calibration.Cosine c = Calibration.meanCosine(fp32, int8);   // c.mean() ~ 0.989
 * }</pre>
 *
 * <p>Thread-safe: lanes' loader threads measure in parallel; the file is read and rewritten under this class's
 * monitor and replaced atomically.
 */
public final class Calibration {
  private static final Logger LOG = Logger.getLogger(Calibration.class.getName());
  private static final String SENTENCES = "laneway/calibration.txt";
  /** This process's measurements, by {@link #memoKey}. */
  private static final Map<String, Cosine> MEASURED = new ConcurrentHashMap<>();
  /** Where measurements persist across starts; null: measured at every start. */
  private static volatile Path persisted;

  /**
   * A mean cosine, and whether it was read from the persisted file (measured at an earlier start) rather than
   * measured by this process.
   */
  public record Cosine(double mean, boolean fromFile) {}

  private Calibration() {}

  /**
   * Keeps measured cosines in {@code file} (a properties file, created with its directory when first written). Null:
   * measure at every start (the default; the gateway sets {@code --admission-cache}).
   */
  public static void persistIn(Path file) {
    persisted = file;
  }

  /** The file measurements persist in, or null. */
  public static Path persistedIn() {
    return persisted;
  }

  /** The mean cosine of {@code quantized}'s vectors to {@code reference}'s over the calibration set. */
  public static Cosine meanCosine(ExecutorModel reference, ExecutorModel quantized) {
    return MEASURED.computeIfAbsent(memoKey(reference, quantized), k -> persistedOrMeasured(reference, quantized));
  }

  /** For tests: forgets this process's measurements, so the next one reads the persisted file or measures. */
  static void forgetMeasured() {
    MEASURED.clear();
  }

  private static String memoKey(ExecutorModel reference, ExecutorModel quantized) {
    return quantized.onnx() + "|" + reference.onnx();
  }

  private static Cosine persistedOrMeasured(ExecutorModel reference, ExecutorModel quantized) {
    Path file = persisted;
    if (file == null) return new Cosine(measure(reference, quantized), false);
    String name = quantized.key().toString();
    String key;
    try {
      key = cacheKey(reference, quantized);
    } catch (RuntimeException e) {
      LOG.warning("admission cache: cannot fingerprint " + name + " (" + e.getMessage() + "); measuring");
      return new Cosine(measure(reference, quantized), false);
    }
    synchronized (Calibration.class) {
      String v = load(file).getProperty(key);
      if (v != null) {
        try {
          return new Cosine(Double.parseDouble(v), true);
        } catch (NumberFormatException e) {
          LOG.warning("admission cache: " + file + ": unreadable value for " + name + "; measuring again");
        }
      }
    }
    double measured = measure(reference, quantized);
    store(file, key, Double.toString(measured));
    return new Cosine(measured, false);
  }

  /**
   * A value kept in the persisted file under {@code key} (a digest, see {@link #digest}): read when an earlier start
   * stored it, else computed now and stored; computed every time when no file is set. Any thread.
   */
  static String remembered(String key, java.util.function.Supplier<String> compute) {
    Path file = persisted;
    if (file == null) return compute.get();
    synchronized (Calibration.class) {
      String v = load(file).getProperty(key);
      if (v != null) return v;
    }
    String computed = compute.get();
    store(file, key, computed);
    return computed;
  }

  /** Adds {@code key = value} to the file (read again first: another loader may have written meanwhile). */
  private static void store(Path file, String key, String value) {
    synchronized (Calibration.class) {
      Properties p = load(file);
      p.setProperty(key, value);
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".admission", ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
          p.store(out, "Laneway admission: mean cosine of quantized variants vs fp32, graphs' operators (safe to "
              + "delete)");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        LOG.warning("admission cache: cannot write " + file + " (" + e.getMessage() + "); measured again next start");
      }
    }
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

  /** The persisted figure's key: a digest of everything the measurement depends on (format {@code v1}). */
  static String cacheKey(ExecutorModel reference, ExecutorModel quantized) {
    StringBuilder b = new StringBuilder("v1\n");
    for (ExecutorModel v : List.of(reference, quantized)) {
      b.append(ModelFiles.fingerprint(v.onnx())).append('\n');
      b.append(ModelFiles.fingerprint(v.tokenizer())).append('\n');
    }
    b.append(quantized.pooling().name().toLowerCase(Locale.ROOT)).append(' ').append(quantized.maxSequenceLength())
        .append('\n');
    b.append(String.join("\n", sentences()));
    return digest(b.toString());
  }

  /** The SHA-256 of {@code text}, in hex: a persisted value's key. */
  static String digest(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double measure(ExecutorModel reference, ExecutorModel quantized) {
    List<String> sentences = sentences();
    float[][] a = embed(reference, sentences);
    float[][] b = embed(quantized, sentences);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double dot = 0;
      for (int j = 0; j < a[i].length; j++) dot += a[i][j] * b[i][j];
      sum += dot; // both are L2-normalised
    }
    return sum / a.length;
  }

  private static float[][] embed(ExecutorModel model, List<String> texts) {
    var spec = model.encoderSpec();
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

  /** The calibration sentences. */
  static List<String> sentences() {
    try (InputStream in = Calibration.class.getClassLoader().getResourceAsStream(SENTENCES)) {
      if (in == null) throw new IllegalStateException(SENTENCES + " is missing from the classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
