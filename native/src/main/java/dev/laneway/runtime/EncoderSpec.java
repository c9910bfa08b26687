package dev.laneway.runtime;

import dev.laneway.base.ModelKey;
import java.util.Objects;

/**
 * One ONNX text encoder variant as the native layer needs it: its files, pooling and the longest sequence (in tokens,
 * special tokens included) it accepts; longer inputs are truncated.
 */
public record EncoderSpec(
    String model, String variant, ModelSource onnx, ModelSource tokenizer, Pooling pooling, int maxSequenceLength) {
  public EncoderSpec {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(onnx, "onnx");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(pooling, "pooling");
    if (maxSequenceLength < 3) {
      throw new IllegalArgumentException("maxSequenceLength: " + maxSequenceLength + " (expected: >= 3)");
    }
  }

  /** The model variant this session runs, as every module names it. */
  public ModelKey key() {
    return ModelKey.of(model, variant);
  }
}
