package dev.laneway.topology;

import java.util.List;
import java.util.Optional;

/**
 * A model as clients name it, its embedding space and its variants.
 *
 * @param space vectors are comparable only inside one space; fallback never crosses it
 * @param pooling {@code mean} (attention-masked mean) or {@code cls}
 * @param maxSequenceLength tokens, special tokens included; longer inputs are truncated
 * @param defaultVariant the variant a request without a version gets
 */
public record ModelSpec(
    String name,
    String space,
    int dimension,
    String pooling,
    int maxSequenceLength,
    String defaultVariant,
    List<VariantSpec> variants) {
  public ModelSpec {
    Checks.id("name", name);
    Checks.id("space", space);
    Checks.atLeast("dimension", dimension, 1);
    if (pooling == null) {
      pooling = "mean";
    }
    if (!pooling.equals("mean") && !pooling.equals("cls")) {
      throw new IllegalArgumentException("pooling: '" + pooling + "' (expected: mean or cls)");
    }
    if (maxSequenceLength == 0) {
      maxSequenceLength = 512;
    }
    Checks.atLeast("max_sequence_length", maxSequenceLength, 3);
    variants = Checks.list(variants);
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("variants: empty (expected: at least one variant)");
    }
    Checks.unique("variants", variants.stream().map(VariantSpec::name).toList());
    if (defaultVariant == null) {
      defaultVariant = variants.get(0).name();
    }
    String dv = defaultVariant;
    if (variants.stream().noneMatch(v -> v.name().equals(dv))) {
      throw new IllegalArgumentException("default_variant: '" + dv + "' (expected: one of the model's variants)");
    }
  }

  public Optional<VariantSpec> variant(String name) {
    return variants.stream().filter(v -> v.name().equals(name)).findFirst();
  }
}
