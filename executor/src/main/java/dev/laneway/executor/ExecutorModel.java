package dev.laneway.executor;

import dev.laneway.base.ModelKey;
import java.util.Objects;

/**
 * One model variant as the executor loads it: its key, where its ONNX graph and its {@code tokenizer.json} come from
 * ({@code classpath:NAME} or a file path), how token vectors become one sentence vector, and the longest sequence (in
 * tokens, special tokens included) it accepts; longer inputs are truncated.
 *
 * <pre>{@code
 * new ExecutorModel(ModelKey.of("all-minilm-l6-v2", "int8"), "classpath:all-minilm-l6-v2-q.onnx",
 *     "classpath:all-minilm-l6-v2-q-tokenizer.json", ExecutorModel.Pooling.MEAN, 256);
 * }</pre>
 */
public record ExecutorModel(ModelKey key, String onnx, String tokenizer, Pooling pooling, int maxSequenceLength) {
  /** How token vectors become one sentence vector. */
  public enum Pooling {
    /** Attention-masked mean over the real tokens (MiniLM). */
    MEAN,
    /** The first ([CLS]) token's vector (BGE). */
    CLS
  }

  public ExecutorModel {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(pooling, "pooling");
    if (onnx == null || onnx.isBlank()) throw new IllegalArgumentException("onnx: empty (expected: a location)");
    if (tokenizer == null || tokenizer.isBlank()) {
      throw new IllegalArgumentException("tokenizer: empty (expected: a location)");
    }
    if (maxSequenceLength < 3) {
      throw new IllegalArgumentException("maxSequenceLength: " + maxSequenceLength + " (expected: >= 3)");
    }
  }

  /** The native layer's view of this variant (package-private: native types stay out of the executor's API). */
  dev.laneway.runtime.EncoderSpec encoderSpec() {
    return new dev.laneway.runtime.EncoderSpec(key.model(), key.variant(),
        dev.laneway.runtime.ModelSource.of(onnx), dev.laneway.runtime.ModelSource.of(tokenizer),
        pooling == Pooling.CLS ? dev.laneway.runtime.Pooling.CLS : dev.laneway.runtime.Pooling.MEAN,
        maxSequenceLength);
  }
}
