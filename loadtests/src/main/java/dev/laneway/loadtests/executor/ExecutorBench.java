package dev.laneway.loadtests.executor;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.ExecutorModel;
import dev.laneway.loadtests.Corpus;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.EncoderSpec;
import dev.laneway.runtime.ModelSource;
import dev.laneway.runtime.Pooling;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./laneway bench executor [--json FILE] [--seconds N] [--quick] [--corpora DIR] [--instances N]}: the
 * executor alone, in one process, on the int8 MiniLM model and the committed corpora (en.txt, zh.txt, long.txt).
 *
 * <p>Phases: (1) the physical limit: raw ONNX Runtime throughput of the length-sorted corpus (every 2nd sentence),
 * pre-tokenised, on one single-threaded session per instance, with the best offline batching of 8, 16 or 32 rows or
 * 256, 512 or 1024 padded tokens per call; (2) bucketing gain: on a fixed sample, length-sorted buckets vs every input
 * padded (or truncated) to 128 tokens; (3) pooled vs naive native buffers ({@link OfflinePhases}); (4) saturation: the
 * whole corpus, shuffled, arrives at once as batch-class requests (far above capacity, tokenisation included) and the
 * executor orders and batches it itself; after unmeasured warm-up bursts (JIT), each of three rounds is paired with an
 * offline pass over the same sentences, length-sorted in the limit's batching, right after it, so that both see the
 * same machine; (5) interactive overhead at 10% load: executor latency minus a direct tokenise + single ORT call on the
 * same sentence, in pairs, each call after an idle gap of the 10%-load arrival process; (6) interactive queue time
 * while open-loop batch-class traffic (a full queue, then 2.5x the limit) saturates the lane, against the longest
 * batch execution ({@link OnlinePhases}). Prints a table and writes JSON. Timings depend on the machine and on what
 * else runs on it.
 *
 * <p>Runs on the calling thread, with the threads each phase starts and joins.
 */
public final class ExecutorBench {
  static final ModelKey KEY = ModelKey.parse("all-minilm-l6-v2:int8");
  /** The same variant for the native sessions the offline phases run directly. */
  static final EncoderSpec SPEC = new EncoderSpec(KEY.model(), KEY.variant(),
      ModelSource.of("classpath:all-minilm-l6-v2-q.onnx"), ModelSource.of("classpath:all-minilm-l6-v2-q-tokenizer.json"),
      Pooling.MEAN, 256);
  /** ... and as the executor loads it. */
  static final ExecutorModel MODEL = new ExecutorModel(KEY, "classpath:all-minilm-l6-v2-q.onnx",
      "classpath:all-minilm-l6-v2-q-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);

  /**
   * The general lanes' {@code sequence_length_multiple} in the embedded default (1: on the CPU provider every padded
   * token is computed; a multiple of 8 cost 0.6 ms at the interactive median here). The offline limit pads the same
   * way, so limit and executor compare like with like.
   */
  static final int SEQUENCE_MULTIPLE = 1;

  /** The general lanes' {@code max_batch_tokens} in the embedded default (loadtests may not read the topology). */
  static final int MAX_BATCH_TOKENS = 256;

  private final boolean quick;
  private final double seconds;
  private final int instances;
  private final Map<String, Object> out = new LinkedHashMap<>();

  ExecutorBench(boolean quick, double seconds, int instances) {
    this.quick = quick;
    this.seconds = seconds;
    this.instances = instances;
  }

  public static void main(String[] args) throws Exception {
    Path json = null;
    Path corpora = null;
    boolean quick = false;
    double seconds = -1;
    int instances = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = Path.of(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--quick" -> quick = true;
        case "--corpora" -> corpora = Path.of(args[++i]);
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        case "--help", "-h" -> {
          System.out.println("usage: laneway bench executor [--json FILE] [--seconds N (per phase, default 6; "
              + "quick 1.5)] [--quick] [--corpora DIR] [--instances N (default 2)]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "' (try --help)");
      }
    }
    if (seconds <= 0) seconds = quick ? 1.5 : 6;
    Map<String, Object> result = new ExecutorBench(quick, seconds, instances).run(corpus(corpora));
    String text = toJson(result);
    if (json != null) {
      if (json.getParent() != null) Files.createDirectories(json.getParent());
      Files.writeString(json, text);
      System.out.println("wrote " + json);
    }
  }

  /** en, zh and long: from {@code --corpora DIR} when given, else the committed corpora on the classpath. */
  static List<String> corpus(Path dir) throws java.io.IOException {
    List<String> corpus = new ArrayList<>();
    for (String name : List.of("en", "zh", "long")) {
      if (dir == null) {
        corpus.addAll(Corpus.load(name).lines());
      } else {
        corpus.addAll(Files.readAllLines(dir.resolve(name + ".txt"), StandardCharsets.UTF_8).stream()
            .filter(s -> !s.isBlank()).toList());
      }
    }
    return corpus;
  }

  Map<String, Object> run(List<String> corpus) throws Exception {
    long t0 = System.nanoTime();
    int full = corpus.size();
    if (quick) {
      List<String> sub = new ArrayList<>();
      for (int i = 0; i < corpus.size(); i += 6) sub.add(corpus.get(i));
      corpus = sub;
    }
    out.put("corpus_sentences", full);
    out.put("sentences_used", corpus.size());
    out.put("quick", quick);
    out.put("seconds_per_phase", seconds);
    out.put("instances", instances);
    out.put("intra_op_threads", 1);
    out.put("cpus", Runtime.getRuntime().availableProcessors());
    out.put("model", KEY.toString());

    List<Tokens> tokens;
    try (Tokenizer tok = Tokenizer.load(SPEC)) {
      long ts = System.nanoTime();
      tokens = corpus.stream().map(tok::encode).toList();
      out.put("tokenize_us_per_sentence", round((System.nanoTime() - ts) / 1e3 / corpus.size(), 1));
    }
    int[] lengths = tokens.stream().mapToInt(Tokens::length).sorted().toArray();
    out.put("tokens_p50", lengths[lengths.length / 2]);
    out.put("tokens_p90", lengths[(int) (lengths.length * 0.9)]);
    out.put("tokens_max", lengths[lengths.length - 1]);

    List<EncoderSession> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < instances; i++) {
        EncoderSession s = EncoderSession.open(SPEC, List.of("cpu"), 1);
        s.embed(List.of(tokens.get(0)));
        sessions.add(s);
      }
      OfflinePhases offline = new OfflinePhases(sessions, quick, out);
      offline.run(tokens);
      new OnlinePhases(quick, seconds, instances, out).run(corpus, offline.pairedPass(tokens));
    } finally {
      sessions.forEach(EncoderSession::close);
    }
    out.put("bench_seconds", round((System.nanoTime() - t0) / 1e9, 1));
    printTable();
    return out;
  }

  static void sleep(double s) throws InterruptedException {
    Thread.sleep((long) (s * 1000));
  }

  static double pct(List<Double> values, double p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    return v.get(Math.min(v.size() - 1, (int) Math.floor(p * v.size())));
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  private void printTable() {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-46s %s%n", "metric", "value");
    System.out.printf(Locale.ROOT, "%-46s %s%n", "-".repeat(46), "-".repeat(12));
    for (Map.Entry<String, Object> e : out.entrySet()) {
      System.out.printf(Locale.ROOT, "%-46s %s%n", e.getKey(), e.getValue());
    }
    System.out.println();
    System.out.println("targets: saturation_ratio >= 0.95, bucketing_gain >= 3, interactive_p50_overhead_ms <= 0.5, "
        + "interactive_p99_queue_ms_under_batch_load <= max_batch_exec_ms");
  }

  static String toJson(Map<String, Object> m) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      sb.append("  \"").append(e.getKey()).append("\": ");
      Object v = e.getValue();
      if (v instanceof Number n) {
        double d = n.doubleValue();
        sb.append(Double.isFinite(d) ? v.toString() : "null");
      } else if (v instanceof Boolean) {
        sb.append(v);
      } else {
        sb.append('"').append(v.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
      sb.append(++i < m.size() ? ",\n" : "\n");
    }
    return sb.append("}\n").toString();
  }
}
