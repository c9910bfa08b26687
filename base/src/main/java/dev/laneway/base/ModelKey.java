package dev.laneway.base;

import java.util.Objects;

/**
 * A model variant as every module names it: the model's name and the variant's, written {@code model:variant}
 * ({@code all-minilm-l6-v2:int8}). The one place that builds and parses that form.
 *
 * <pre>{@code
 * ModelKey k = ModelKey.of("all-minilm-l6-v2", "int8");
 * k.toString();                              // "all-minilm-l6-v2:int8"
 * ModelKey.parse("all-minilm-l6-v2:int8");   // the same key
 * }</pre>
 */
public record ModelKey(String model, String variant) {
  public ModelKey {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(variant, "variant");
    if (model.isEmpty()) throw new IllegalArgumentException("model: empty (expected: a model name)");
    if (variant.isEmpty() || variant.indexOf(':') >= 0) {
      throw new IllegalArgumentException("variant: '" + variant + "' (expected: a variant name without ':')");
    }
  }

  public static ModelKey of(String model, String variant) {
    return new ModelKey(model, variant);
  }

  /** {@code model:variant}, split at the last {@code ':'}. */
  public static ModelKey parse(String key) {
    int colon = key.lastIndexOf(':');
    if (colon <= 0 || colon == key.length() - 1) {
      throw new IllegalArgumentException("model key: '" + key + "' (expected: model:variant)");
    }
    return new ModelKey(key.substring(0, colon), key.substring(colon + 1));
  }

  @Override
  public String toString() {
    return model + ":" + variant;
  }
}
