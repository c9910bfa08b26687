package dev.laneway.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session of a text encoder on one execution provider: pads a batch of {@link Tokens}, runs the graph
 * and pools {@code last_hidden_state} into L2-normalised sentence vectors.
 *
 * <p>{@link #embed} may be called by several threads at once (the instances of one device share a session: ONNX
 * Runtime's {@code Run} is thread-safe, and with one intra-op thread each call computes on its caller's thread). The
 * input tensors are written into pooled direct buffers that ONNX Runtime reads in place, and the output is a pinned
 * pooled buffer that ONNX Runtime writes and pooling reads in place ({@link DirectBufferPool}).
 */
public final class EncoderSession implements AutoCloseable {
  private static final String OUTPUT = "last_hidden_state";

  private final EncoderSpec spec;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ProviderChoice provider;
  private final boolean fromCache;
  private final boolean needsTokenTypes;
  private final int dimension;
  private final DirectBufferPool buffers = new DirectBufferPool();
  /** Calls made to ONNX Runtime by input shape ({@code "rows x length"}, as {@code "4x16"}), failed ones included. */
  private final Map<String, Long> runs = new java.util.concurrent.ConcurrentHashMap<>();

  private EncoderSession(EncoderSpec spec, OrtEnvironment env, OrtSession session, ProviderChoice provider,
      boolean fromCache) throws OrtException {
    this.spec = spec;
    this.fromCache = fromCache;
    this.env = env;
    this.session = session;
    this.provider = provider;
    this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
    NodeInfo out = session.getOutputInfo().get(OUTPUT);
    if (out == null) {
      throw new IllegalStateException(
          spec.onnx() + ": no output named " + OUTPUT + " (has " + session.getOutputNames() + ")");
    }
    long[] shape = ((TensorInfo) out.getInfo()).getShape();
    this.dimension = (int) shape[shape.length - 1];
  }

  /**
   * Opens a session on the first usable provider of {@code providers} (from {@link SessionCache}'s optimized model
   * when it keeps one).
   *
   * @param intraOpThreads ONNX Runtime intra-op threads for this session (1 is best when there is one session per
   *     core)
   */
  public static EncoderSession open(EncoderSpec spec, List<String> providers, int intraOpThreads) {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads: " + intraOpThreads + " (expected: >= 1)");
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      // Spinning threads burn the cores other sessions need; the executor keeps them busy instead.
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      ProviderChoice choice = ExecutionProviders.choose(providers, options);
      SessionCache.Opened opened = SessionCache.create(env, spec, options, OrtSession.SessionOptions.OptLevel.ALL_OPT,
          choice.chosen());
      return new EncoderSession(spec, env, opened.session(), choice, opened.cached());
    } catch (OrtException e) {
      throw new IllegalStateException("cannot open " + spec.onnx() + ": " + e.getMessage(), e);
    }
  }

  public EncoderSpec spec() {
    return spec;
  }

  /** Whether the session was loaded from {@link SessionCache}'s optimized model (else built from the model). */
  public boolean fromCache() {
    return fromCache;
  }

  public ProviderChoice provider() {
    return provider;
  }

  public int dimension() {
    return dimension;
  }

  /**
   * Embeds a batch, padding every item to the longest one, through pooled buffers.
   *
   * @return one L2-normalised vector per item, in order
   */
  public float[][] embed(List<Tokens> batch) {
    return embed(batch, batch.size(), longest(batch));
  }

  /**
   * Embeds a batch as one {@code rows x paddedLength} call: each item is padded to {@code paddedLength} tokens (at
   * least the longest item) and, for static shapes, filler rows are added up to {@code rows} (at least the batch
   * size) and their outputs discarded. {@code input_ids}, {@code attention_mask} and {@code token_type_ids} are
   * written once into pooled direct buffers that ONNX Runtime reads in place, and {@code last_hidden_state} is written
   * by ONNX Runtime into a pooled direct buffer (a pinned output) that pooling reads in place: no copy on either side.
   *
   * <p>Called by the device's instance threads, possibly at once. Every pooled buffer is back in the pool when this
   * returns or throws.
   *
   * @return one L2-normalised vector per item (not per filler row), in order
   */
  public float[][] embed(List<Tokens> batch, int rows, int paddedLength) {
    int n = batch.size();
    if (n == 0) {
      return new float[0][];
    }
    checkShape(batch, rows, paddedLength);
    int seq = paddedLength;
    int cells = rows * seq;
    ByteBuffer idsB = buffers.acquire(cells * Long.BYTES);
    ByteBuffer maskB = buffers.acquire(cells * Long.BYTES);
    ByteBuffer typesB = buffers.acquire(cells * Long.BYTES);
    ByteBuffer hiddenB = buffers.acquire(cells * dimension * Float.BYTES);
    try {
      LongBuffer ids = idsB.asLongBuffer();
      LongBuffer mask = maskB.asLongBuffer();
      LongBuffer types = typesB.asLongBuffer();
      fill(batch, rows, seq, ids, mask, types);
      FloatBuffer hidden = hiddenB.asFloatBuffer();
      long[] shape = {rows, seq};
      try (OnnxTensor idsT = OnnxTensor.createTensor(env, ids, shape);
          OnnxTensor maskT = OnnxTensor.createTensor(env, mask, shape);
          OnnxTensor typesT = OnnxTensor.createTensor(env, types, shape);
          OnnxTensor hiddenT = OnnxTensor.createTensor(env, hidden, new long[] {rows, seq, dimension})) {
        runs.merge(rows + "x" + seq, 1L, Long::sum);
        try (OrtSession.Result result = session.run(inputs(idsT, maskT, typesT), Map.of(OUTPUT, hiddenT))) {
          return pool(hidden, batch, seq);
        }
      } catch (OrtException e) {
        throw new IllegalStateException("inference failed on " + spec.key() + ": " + e.getMessage(), e);
      }
    } finally {
      buffers.release(idsB);
      buffers.release(maskB);
      buffers.release(typesB);
      buffers.release(hiddenB);
    }
  }

  /**
   * The unpooled path, kept to measure what pooling saves: fresh direct buffers per call and a copy of the output
   * ({@code OnnxTensor.getFloatBuffer()} copies). Same results as {@link #embed(List, int, int)}.
   */
  public float[][] embedNaive(List<Tokens> batch, int paddedLength) {
    int n = batch.size();
    if (n == 0) {
      return new float[0][];
    }
    checkShape(batch, n, paddedLength);
    int seq = paddedLength;
    LongBuffer ids = direct(n * seq);
    LongBuffer mask = direct(n * seq);
    LongBuffer types = direct(n * seq);
    fill(batch, n, seq, ids, mask, types);
    long[] shape = {n, seq};
    try (OnnxTensor idsT = OnnxTensor.createTensor(env, ids, shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, mask, shape);
        OnnxTensor typesT = OnnxTensor.createTensor(env, types, shape)) {
      runs.merge(n + "x" + seq, 1L, Long::sum);
      try (OrtSession.Result result = session.run(inputs(idsT, maskT, typesT), java.util.Set.of(OUTPUT))) {
        OnnxTensor hidden = (OnnxTensor) result.get(OUTPUT).orElseThrow();
        return pool(hidden.getFloatBuffer(), batch, seq);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("inference failed on " + spec.key() + ": " + e.getMessage(), e);
    }
  }

  /**
   * How many times this session called ONNX Runtime, by the shape of the input tensors ({@code "rows x length"}, as
   * {@code "4x16"}): what a caller asked for is observable as what was run (warm-up and failed calls included).
   */
  public Map<String, Long> runShapes() {
    return Map.copyOf(runs);
  }

  /** Pooled native buffers handed out and not yet returned: zero between batches. */
  public int buffersInUse() {
    return buffers.inUse();
  }

  private Map<String, OnnxTensor> inputs(OnnxTensor ids, OnnxTensor mask, OnnxTensor types) {
    Map<String, OnnxTensor> inputs = new HashMap<>(4);
    inputs.put("input_ids", ids);
    inputs.put("attention_mask", mask);
    if (needsTokenTypes) {
      inputs.put("token_type_ids", types);
    }
    return inputs;
  }

  private static int longest(List<Tokens> batch) {
    int longest = 0;
    for (Tokens t : batch) {
      longest = Math.max(longest, t.length());
    }
    return longest;
  }

  private static void checkShape(List<Tokens> batch, int rows, int paddedLength) {
    if (rows < batch.size()) {
      throw new IllegalArgumentException("rows: " + rows + " (expected: >= " + batch.size() + ", the batch size)");
    }
    int longest = longest(batch);
    if (paddedLength < longest) {
      throw new IllegalArgumentException("paddedLength: " + paddedLength + " (expected: >= " + longest + ")");
    }
  }

  /** Writes the items, then filler rows (one attended pad token, so no row is fully masked), row-major. */
  private static void fill(List<Tokens> batch, int rows, int seq, LongBuffer ids, LongBuffer mask, LongBuffer types) {
    for (Tokens t : batch) {
      int len = t.length();
      ids.put(t.ids());
      types.put(t.typeIds());
      for (int j = 0; j < len; j++) {
        mask.put(1L);
      }
      for (int j = len; j < seq; j++) {
        ids.put(0L);
        mask.put(0L);
        types.put(0L);
      }
    }
    for (int r = batch.size(); r < rows; r++) {
      for (int j = 0; j < seq; j++) {
        ids.put(0L);
        mask.put(j == 0 ? 1L : 0L);
        types.put(0L);
      }
    }
    ids.flip();
    mask.flip();
    types.flip();
  }

  private float[][] pool(FloatBuffer hidden, List<Tokens> batch, int seq) {
    int d = dimension;
    float[][] out = new float[batch.size()][];
    for (int i = 0; i < batch.size(); i++) {
      float[] v = new float[d];
      int base = i * seq * d;
      if (spec.pooling() == Pooling.CLS) {
        hidden.get(base, v, 0, d);
      } else {
        int len = batch.get(i).length();
        for (int t = 0; t < len; t++) {
          int off = base + t * d;
          for (int k = 0; k < d; k++) {
            v[k] += hidden.get(off + k);
          }
        }
        for (int k = 0; k < d; k++) {
          v[k] /= len;
        }
      }
      normalise(v);
      out[i] = v;
    }
    return out;
  }

  static void normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    float norm = (float) Math.sqrt(sum);
    if (norm > 0) {
      for (int k = 0; k < v.length; k++) {
        v[k] /= norm;
      }
    }
  }

  private static LongBuffer direct(int longs) {
    return ByteBuffer.allocateDirect(longs * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing " + spec.key() + ": " + e.getMessage(), e);
    }
  }
}
