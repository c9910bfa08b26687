package dev.laneway.executor.bench;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.BatchPolicy;
import dev.laneway.executor.EmbedRequest;
import dev.laneway.executor.EmbedResult;
import dev.laneway.executor.ExecutorConfig;
import dev.laneway.executor.ExecutorException;
import dev.laneway.executor.ExecutorModel;
import dev.laneway.executor.LaneExecutor;
import dev.laneway.executor.Placement;
import dev.laneway.executor.Priority;
import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.EncoderSpec;
import dev.laneway.runtime.ModelSource;
import dev.laneway.runtime.Pooling;
import dev.laneway.runtime.Tokenizer;
import dev.laneway.runtime.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./laneway bench executor [--json FILE] [--seconds N] [--quick] [--corpora DIR] [--instances N]}: the
 * executor alone, in one process, on the int8 MiniLM model and the committed corpora (en.txt, zh.txt, long.txt).
 *
 * <p>Phases: (1) the physical limit: raw ONNX Runtime throughput of the length-sorted corpus (every 2nd sentence),
 * pre-tokenised, on one single-threaded session per instance, with the best offline batching of 8, 16 or 32 rows or
 * 256, 512 or 1024 padded tokens per call; (2) bucketing gain: on a fixed sample, length-sorted buckets vs every input
 * padded (or truncated) to 128 tokens; (3) pooled vs naive native buffers; (4) saturation: the whole corpus, shuffled,
 * arrives at once as batch-class requests (far above capacity, tokenisation included) and the executor orders and
 * batches it itself; after unmeasured warm-up bursts (JIT), each of three rounds is paired with an offline pass over
 * the same sentences, length-sorted in the limit's batching, right after it, so that both see the same machine;
 * (5) interactive overhead at 10% load: executor latency minus a direct tokenise + single ORT call on the same
 * sentence, in pairs, each call after an idle gap of the 10%-load arrival process; (6) interactive queue time while
 * open-loop batch-class traffic (a full queue, then 2.5x the limit) saturates the lane, against the longest
 * batch execution. Prints a table and writes JSON. Timings depend on the machine and on what else runs on it.
 */
public final class ExecutorBench {
  static final ModelKey KEY = ModelKey.parse("all-minilm-l6-v2:int8");

  private final boolean quick;
  private final double seconds;
  private final int instances;
  private final EncoderSpec spec;
  private final ExecutorModel model;
  private final Map<String, Object> out = new LinkedHashMap<>();
  /** The limit's offline batching: rows per batch, or (negative) a padded-token bound. */
  private int limitShape;

  ExecutorBench(boolean quick, double seconds, int instances) {
    this.quick = quick;
    this.seconds = seconds;
    this.instances = instances;
    this.spec = new EncoderSpec("all-minilm-l6-v2", "int8", ModelSource.of("classpath:all-minilm-l6-v2-q.onnx"),
        ModelSource.of("classpath:all-minilm-l6-v2-q-tokenizer.json"), Pooling.MEAN, 256);
    this.model = new ExecutorModel(KEY, "classpath:all-minilm-l6-v2-q.onnx",
        "classpath:all-minilm-l6-v2-q-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);
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
    Map<String, Object> result = new ExecutorBench(quick, seconds, instances).run(corpusDir(corpora));
    String text = toJson(result);
    if (json != null) {
      if (json.getParent() != null) Files.createDirectories(json.getParent());
      Files.writeString(json, text);
      System.out.println("wrote " + json);
    }
  }

  Map<String, Object> run(Path corpusDir) throws Exception {
    long t0 = System.nanoTime();
    List<String> corpus = new ArrayList<>();
    for (String f : List.of("en.txt", "zh.txt", "long.txt")) {
      corpus.addAll(Files.readAllLines(corpusDir.resolve(f), StandardCharsets.UTF_8).stream()
          .filter(s -> !s.isBlank()).toList());
    }
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
    try (Tokenizer tok = Tokenizer.load(spec)) {
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
        EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1);
        s.embed(List.of(tokens.get(0)));
        sessions.add(s);
      }
      offline(sessions, tokens);
      // saturation's paired offline passes: the whole corpus, length-sorted, in the sweep's best batching
      List<Tokens> all = new ArrayList<>(tokens);
      all.sort(Comparator.comparingInt(Tokens::length));
      List<Batch> allBatches = limitBatches(all, limitShape);
      online(corpus, () -> offlineSps(sessions, allBatches));
    } finally {
      sessions.forEach(EncoderSession::close);
    }
    out.put("bench_seconds", round((System.nanoTime() - t0) / 1e9, 1));
    printTable();
    return out;
  }

  /** Phases 1-3: offline batching on the sessions, pre-tokenised. */
  private void offline(List<EncoderSession> sessions, List<Tokens> tokens) {
    // every 2nd sentence (the same mix) keeps the full run near a minute
    List<Tokens> half = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i += quick ? 1 : 2) half.add(tokens.get(i));
    out.put("limit_sentences", half.size());
    List<Tokens> sorted = new ArrayList<>(half);
    sorted.sort(Comparator.comparingInt(Tokens::length));
    double best = 0;
    int bestB = 0;
    for (int b : quick ? List.of(16, 32) : List.of(8, 16, 32)) {
      double sps = offlineSps(sessions, batches(sorted, b, 0));
      out.put("offline_sps_b" + b, round(sps, 1));
      if (sps > best) {
        best = sps;
        bestB = b;
      }
    }
    // batches bounded by padded tokens instead of rows (as max_batch_tokens does), up to 32 rows
    for (int cap : quick ? List.of(256) : List.of(256, 512, 1024)) {
      double sps = offlineSps(sessions, capped(sorted, cap));
      out.put("offline_sps_t" + cap, round(sps, 1));
      if (sps > best) {
        best = sps;
        bestB = -cap;
      }
    }
    out.put("limit_sps", round(best, 1));
    limitShape = bestB;
    out.put("limit_batching", bestB < 0 ? "<= " + (-bestB) + " padded tokens, <= 32 rows" : bestB + " rows");
    long real = 0;
    long computed = 0;
    for (Batch b : limitBatches(sorted, bestB)) {
      for (Tokens t : b.items()) real += t.length();
      computed += (long) b.items().size() * b.length();
    }
    out.put("limit_padding_efficiency", round((double) real / computed, 3));

    // bucketing gain on a fixed sample: length-sorted buckets vs everything padded (or truncated) to 128
    Random r = new Random(42);
    List<Tokens> sample = new ArrayList<>(tokens);
    Collections.shuffle(sample, r);
    sample = sample.subList(0, Math.min(sample.size(), quick ? 96 : 320));
    List<Tokens> sampleSorted = new ArrayList<>(sample);
    sampleSorted.sort(Comparator.comparingInt(Tokens::length));
    // the same batching as the limit; padded to 128, as many rows as the same padded-token budget allows
    int rowsB = bestB < 0 ? Math.max(1, -bestB / 128) : bestB;
    double bucketed = offlineSps(sessions, limitBatches(sampleSorted, bestB));
    List<Tokens> truncated = sample.stream().map(t -> t.length() <= 128 ? t
        : new Tokens(Arrays.copyOf(t.ids(), 128), Arrays.copyOf(t.typeIds(), 128), true)).toList();
    double padded = offlineSps(sessions, batches(truncated, rowsB, 128));
    out.put("bucketed_sample_sps", round(bucketed, 1));
    out.put("padded128_sample_sps", round(padded, 1));
    out.put("bucketing_gain", round(bucketed / padded, 2));

    // pooled (pinned output, reused direct buffers) vs naive (fresh buffers, copied output), one session
    EncoderSession s = sessions.get(0);
    List<Batch> bs = batches(sampleSorted, rowsB, 0);
    long pooled = 0;
    long naive = 0;
    for (int round = 0; round < (quick ? 1 : 2); round++) {
      long a = System.nanoTime();
      for (Batch b : bs) s.embed(b.items(), b.items().size(), b.length());
      long m = System.nanoTime();
      for (Batch b : bs) s.embedNaive(b.items(), b.length());
      long z = System.nanoTime();
      pooled += m - a;
      naive += z - m;
    }
    out.put("pooled_buffers_saving_pct", round(100.0 * (naive - pooled) / naive, 1));
  }

  /** Batches of the sorted items, as many rows (up to 32) as fit {@code cap} padded tokens. */
  private static List<Batch> capped(List<Tokens> sorted, int cap) {
    List<Batch> out = new ArrayList<>();
    int i = 0;
    while (i < sorted.size()) {
      int j = i + 1;
      while (j < sorted.size() && j - i < 32 && (long) (j + 1 - i) * padded(sorted.get(j).length()) <= cap) j++;
      List<Tokens> b = sorted.subList(i, j);
      out.add(new Batch(b, padded(longest(b))));
      i = j;
    }
    return out;
  }

  /** The offline batches of the limit's shape: negative = a padded-token bound, else a row count. */
  private static List<Batch> limitBatches(List<Tokens> sorted, int shape) {
    return shape < 0 ? capped(sorted, -shape) : batches(sorted, shape, 0);
  }

  /** One offline call: the items and the length they are padded to. */
  record Batch(List<Tokens> items, int length) {}

  /** Batches of {@code size} in order; each padded to {@code fixed} tokens, or to its longest rounded up to 8. */
  private static List<Batch> batches(List<Tokens> items, int size, int fixed) {
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i += size) {
      List<Tokens> b = items.subList(i, Math.min(items.size(), i + size));
      out.add(new Batch(b, fixed > 0 ? fixed : padded(longest(b))));
    }
    return out;
  }

  private static int longest(List<Tokens> b) {
    int m = 0;
    for (Tokens t : b) m = Math.max(m, t.length());
    return m;
  }

  /**
   * The general lanes' {@code sequence_length_multiple} in the embedded default (1: on the CPU provider every padded
   * token is computed; a multiple of 8 cost 0.6 ms at the interactive median here). The offline limit pads the same
   * way, so limit and executor compare like with like.
   */
  static final int SEQUENCE_MULTIPLE = 1;

  /** The general lanes' {@code max_batch_tokens} in the embedded default (executor may not read the topology). */
  static final int MAX_BATCH_TOKENS = 256;

  private static int padded(int n) {
    return (n + SEQUENCE_MULTIPLE - 1) / SEQUENCE_MULTIPLE * SEQUENCE_MULTIPLE;
  }

  /**
   * Submits {@code texts}, shuffled by {@code seed}, at once as batch-class requests and waits for every answer.
   *
   * @return sentences per second, and how busy the instances were (time in compute over instances x elapsed)
   */
  private double[] burst(LaneExecutor ex, List<String> texts, long seed) throws Exception {
    List<String> burst = new ArrayList<>(texts);
    Collections.shuffle(burst, new Random(seed));
    List<CompletableFuture<EmbedResult>> fs = new ArrayList<>(burst.size());
    long busy0 = ex.stats().computeNanos();
    long a = System.nanoTime();
    for (String text : burst) {
      fs.add(ex.submit(new EmbedRequest(KEY, List.of(text), Long.MAX_VALUE, Priority.BATCH)));
    }
    for (CompletableFuture<EmbedResult> f : fs) f.get(300, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - a) / 1e9;
    return new double[] {burst.size() / elapsed, (ex.stats().computeNanos() - busy0) / 1e9 / (instances * elapsed)};
  }

  /** Sentences per second with one thread per session pulling batches from a shared index. */
  private static double offlineSps(List<EncoderSession> sessions, List<Batch> batches) {
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (EncoderSession s : sessions) {
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i; (i = next.getAndIncrement()) < batches.size(); ) {
          Batch b = batches.get(i);
          s.embed(b.items(), b.items().size(), b.length());
        }
      }));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int n = 0;
    for (Batch b : batches) n += b.items().size();
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Phases 4-6: through the executor, tokenisation included. */
  private void online(List<String> corpus, java.util.function.DoubleSupplier offlinePass)
      throws Exception {
    double limit = (double) out.get("limit_sps");
    BatchPolicy policy = new BatchPolicy(32, List.of(8, 16, 32),
        BatchPolicy.delays(Duration.ZERO, Duration.ofMillis(2), Duration.ofMillis(10)), SEQUENCE_MULTIPLE, List.of(), List.of(),
        MAX_BATCH_TOKENS);
    out.put("policy", "max_batch_size 32, preferred 8/16/32, delay interactive 0 / standard 2ms / batch 10ms, "
        + "sequence multiple " + SEQUENCE_MULTIPLE + ", max_batch_tokens " + MAX_BATCH_TOKENS + ", max_queue_size 4096");
    List<String> shuffled = new ArrayList<>(corpus);
    Collections.shuffle(shuffled, new Random(7));
    try (LaneExecutor ex = LaneExecutor.start(new ExecutorConfig("bench", "local", policy, 4096, instances, 1),
        List.of(new Placement("cpu0", List.of("cpu"))), List.of(model))) {
      // 4. saturation: every sentence of the corpus arrives at once, one batch-class request each (far above capacity;
      // no client waits; tokenisation included), and the executor orders and batches them itself. Each round is paired
      // with an offline pass over the same sentences right after it, so that both see the same machine (it may be
      // shared); the ratio is over the paired rounds. The whole corpus (not the sweep's half) keeps the burst's start,
      // while the first requests are tokenised, and its tail, when one instance runs the last batch alone, small beside
      // the steady state being measured. Unmeasured bursts first warm the executor's code (the offline sessions are
      // warm: phases 1-3 ran them; measured here, the JIT took 5-8% of the CPU during a first burst).
      for (int w = 0; w < (quick ? 1 : 2); w++) {
        burst(ex, corpus, 50 + w);
      }
      double execSum = 0;
      double offSum = 0;
      double busy = 0;
      int rounds = quick ? 1 : 3;
      for (int round = 0; round < rounds; round++) {
        double[] sat = burst(ex, corpus, 100 + round);
        double e = sat[0];
        busy += sat[1];
        double o = offlinePass.getAsDouble();
        out.put("saturated_sps_round" + round, round(e, 1));
        out.put("limit_sps_round" + round, round(o, 1));
        execSum += e;
        offSum += o;
      }
      out.put("saturation_sentences", corpus.size());
      out.put("saturation_instance_busy", round(busy / rounds, 3));
      out.put("limit_sps_sweep", round(limit, 1));
      limit = offSum / rounds;
      out.put("limit_sps", round(limit, 1));
      out.put("saturated_sps", round(execSum / rounds, 1));
      out.put("saturation_ratio", round(execSum / offSum, 3));
      out.put("padding_efficiency", round(ex.stats().paddingEfficiency(), 3));
      out.put("texts_per_batch", round((double) ex.stats().inferenceCount() / ex.stats().executionCount(), 1));

      // 5. interactive overhead at 10% load. Pairs on the same sentence, each call after an idle gap drawn from the
      // 10%-load arrival process (so both start equally cold): a direct tokenise + single ORT call on this thread,
      // then the same sentence through the executor (latency from submit to completion, on the instance thread).
      List<String> probe = shuffled.stream().filter(s -> s.length() < 300).limit(quick ? 40 : 200).toList();
      List<Double> overhead = new ArrayList<>();
      List<Double> latency = new ArrayList<>();
      List<Double> direct = new ArrayList<>();
      List<Double> queued = new ArrayList<>();
      List<Double> computed = new ArrayList<>();
      try (Tokenizer tok = Tokenizer.load(spec);
          EncoderSession alone = EncoderSession.open(spec, List.of("cpu"), 1)) {
        alone.embed(List.of(tok.encode("warm-up")));
        Random r = new Random(11);
        double meanGap = 1 / (0.1 * limit);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int i = 0; System.nanoTime() < end; i++) {
          String text = probe.get(i % probe.size());
          sleep(-Math.log(1 - r.nextDouble()) * meanGap);
          long a = System.nanoTime();
          alone.embed(List.of(tok.encode(text)));
          double d = (System.nanoTime() - a) / 1e6;
          sleep(-Math.log(1 - r.nextDouble()) * meanGap);
          AtomicLong done = new AtomicLong();
          long submitted = System.nanoTime();
          EmbedResult res = ex.submit(new EmbedRequest(KEY, List.of(text), submitted + TimeUnit.SECONDS.toNanos(60),
              Priority.INTERACTIVE)).whenComplete((x, err) -> done.set(System.nanoTime())).get(60, TimeUnit.SECONDS);
          double lat = (done.get() - submitted) / 1e6;
          queued.add(res.queueNanos() / 1e6);
          computed.add(res.computeNanos() / 1e6);
          direct.add(d);
          latency.add(lat);
          overhead.add(lat - d);
        }
      }
      out.put("direct_p50_ms", round(pct(direct, 0.5), 3));
      out.put("interactive_p50_latency_ms", round(pct(latency, 0.5), 3));
      out.put("interactive_p50_overhead_ms", round(pct(overhead, 0.5), 3));
      out.put("interactive_p99_overhead_ms", round(pct(overhead, 0.99), 3));
      out.put("interactive_samples", overhead.size());
      out.put("interactive_p50_queue_ms", round(pct(queued, 0.5), 3));
      out.put("interactive_p50_compute_ms", round(pct(computed, 0.5), 3));

      // 6. interactive queue time while batch-class traffic saturates the lane
      ex.stats().resetMaxExec();
      Load flood = new Load(ex, shuffled, Priority.BATCH, 2.5 * limit);
      flood.burst = 4096;
      Load urgent = new Load(ex, probe, Priority.INTERACTIVE, 20);
      urgent.poisson = true;
      Thread g1 = Thread.ofPlatform().start(flood::run);
      sleep(quick ? 0.5 : 1);
      Thread g2 = Thread.ofPlatform().start(urgent::run);
      sleep(seconds);
      urgent.stop = true;
      g2.join();
      flood.stopAndCancel(g1);
      drain(ex);
      List<Double> queue = new ArrayList<>();
      for (long[] s : urgent.samples) queue.add(s[2] / 1e6);
      out.put("interactive_p99_queue_ms_under_batch_load", round(pct(queue, 0.99), 3));
      out.put("interactive_p50_queue_ms_under_batch_load", round(pct(queue, 0.5), 3));
      out.put("interactive_samples_under_batch_load", queue.size());
      out.put("max_batch_exec_ms", round(ex.stats().maxExecNanos() / 1e6, 3));
    }
  }

  /**
   * An open-loop load: one text per request at {@code rate} per second (evenly spaced, or Poisson), whatever the
   * answers do. Records (sentence index, latency, queue time) per answered request.
   */
  static final class Load {
    final LaneExecutor ex;
    final List<String> texts;
    final Priority priority;
    final double rate;
    boolean poisson;
    volatile boolean stop;
    final AtomicLong completed = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<CompletableFuture<EmbedResult>> futures = new ConcurrentLinkedQueue<>();
    /** Requests submitted at once before the steady rate: fills the queue, as a long overload would. */
    int burst;

    Load(LaneExecutor ex, List<String> texts, Priority priority, double rate) {
      this.ex = ex;
      this.texts = texts;
      this.priority = priority;
      this.rate = rate;
    }

    void run() {
      Random r = new Random(3);
      long start = System.nanoTime();
      double due = 0; // seconds after start at which the next request is due
      int i = 0;
      for (; i < burst; i++) submit(i);
      while (!stop) {
        long now = System.nanoTime();
        while (!stop && (now - start) / 1e9 >= due) {
          submit(i++);
          due += poisson ? -Math.log(1 - r.nextDouble()) / rate : 1 / rate;
        }
        long waitNanos = (long) ((due - (System.nanoTime() - start) / 1e9) * 1e9);
        if (waitNanos > 0) LockSupport.parkNanos(Math.min(waitNanos, 5_000_000)); // 5 ms ticks at most
      }
    }

    private void submit(int index) {
      String text = texts.get(index % texts.size());
      long submitted = System.nanoTime();
      CompletableFuture<EmbedResult> f = ex.submit(new EmbedRequest(KEY, List.of(text),
          submitted + TimeUnit.SECONDS.toNanos(60), priority));
      futures.add(f);
      f.whenComplete((res, err) -> {
        if (err == null) {
          completed.incrementAndGet();
          samples.add(new long[] {index, System.nanoTime() - submitted, res.queueNanos()});
        } else if (err instanceof ExecutorException.QueueFull) {
          rejected.incrementAndGet();
        }
      });
    }

    /** Stops the arrivals and cancels what is still queued (the executor frees cancelled items at once). */
    void stopAndCancel(Thread generator) throws InterruptedException {
      stop = true;
      generator.join();
      for (CompletableFuture<EmbedResult> f : futures) f.cancel(false);
    }
  }

  private static void drain(LaneExecutor ex) throws InterruptedException {
    ex.awaitIdle(java.time.Duration.ofSeconds(120));
  }

  private static void sleep(double s) throws InterruptedException {
    Thread.sleep((long) (s * 1000));
  }

  private static double pct(List<Double> values, double p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    return v.get(Math.min(v.size() - 1, (int) Math.floor(p * v.size())));
  }

  private static double round(double v, int digits) {
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

  /** {@code --corpora}, else {@code loadtests/src/main/resources/corpora} here or in a parent directory. */
  static Path corpusDir(Path given) {
    if (given != null) return given;
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path c = d.resolve("loadtests/src/main/resources/corpora");
      if (Files.isRegularFile(c.resolve("en.txt"))) return c;
    }
    throw new UncheckedIOException(new IOException(
        "corpora not found under " + dir + " or its parents (expected loadtests/src/main/resources/corpora; "
            + "pass --corpora DIR)"));
  }
}
