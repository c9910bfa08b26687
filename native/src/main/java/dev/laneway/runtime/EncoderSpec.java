package dev.laneway.runtime;

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

  /** {@code model:variant}, the key sessions and caches use. */
  public String key() {
    return model + ":" + variant;
  }
}
