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
 * <p>Not thread-safe by contract: one instance thread owns a session and is the only caller of {@link #embed}. The
 * input tensors are written into direct buffers that ONNX Runtime reads in place.
 */
public final class EncoderSession implements AutoCloseable {
  private static final String OUTPUT = "last_hidden_state";

  private final EncoderSpec spec;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ProviderChoice provider;
  private final boolean needsTokenTypes;
  private final int dimension;

  private EncoderSession(
      EncoderSpec spec, OrtEnvironment env, OrtSession session, ProviderChoice provider) throws OrtException {
    this.spec = spec;
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
   * Opens a session on the first usable provider of {@code providers}.
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
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // Spinning threads burn the cores other sessions need; the executor keeps them busy instead.
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      ProviderChoice choice = ExecutionProviders.choose(providers, options);
      OrtSession session = env.createSession(spec.onnx().readAllBytes(), options);
      return new EncoderSession(spec, env, session, choice);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot open " + spec.onnx() + ": " + e.getMessage(), e);
    }
  }

  public EncoderSpec spec() {
    return spec;
  }

  public ProviderChoice provider() {
    return provider;
  }

  public int dimension() {
    return dimension;
  }

  /** The graph's input names, for admission checks and metadata. */
  public java.util.Set<String> inputNames() throws OrtException {
    return session.getInputNames();
  }

  /**
   * Embeds a batch, padding every item to the longest one.
   *
   * @return one L2-normalised vector per item, in order
   */
  public float[][] embed(List<Tokens> batch) {
    int longest = 0;
    for (Tokens t : batch) {
      longest = Math.max(longest, t.length());
    }
    return embed(batch, longest);
  }

  /**
   * Embeds a batch padded to {@code paddedLength} tokens (at least the longest item). Called by the owning instance
   * thread only.
   */
  public float[][] embed(List<Tokens> batch, int paddedLength) {
    int n = batch.size();
    if (n == 0) {
      return new float[0][];
    }
    int seq = paddedLength;
    for (Tokens t : batch) {
      if (t.length() > seq) {
        throw new IllegalArgumentException("paddedLength: " + paddedLength + " (expected: >= " + t.length() + ")");
      }
    }
    LongBuffer ids = direct(n * seq);
    LongBuffer mask = direct(n * seq);
    LongBuffer types = direct(n * seq);
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
    ids.flip();
    mask.flip();
    types.flip();
    long[] shape = {n, seq};
    try (OnnxTensor idsT = OnnxTensor.createTensor(env, ids, shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, mask, shape);
        OnnxTensor typesT = OnnxTensor.createTensor(env, types, shape)) {
      Map<String, OnnxTensor> inputs = new HashMap<>(4);
      inputs.put("input_ids", idsT);
      inputs.put("attention_mask", maskT);
      if (needsTokenTypes) {
        inputs.put("token_type_ids", typesT);
      }
      try (OrtSession.Result result = session.run(inputs, java.util.Set.of(OUTPUT))) {
        OnnxTensor hidden = (OnnxTensor) result.get(OUTPUT).orElseThrow();
        FloatBuffer h = hidden.getFloatBuffer();
        return pool(h, batch, seq);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("inference failed on " + spec.key() + ": " + e.getMessage(), e);
    }
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
