package dev.laneway.topology;

import java.util.List;

/**
 * One ONNX file of a model.
 *
 * @param onnx {@code classpath:NAME} or a file path
 * @param tokenizer the {@code tokenizer.json}, same forms
 * @param quantized whether the weights are int8 (required to enter a specialised lane)
 * @param laneClasses the lane classes this variant may run on
 */
public record VariantSpec(
    String name, String onnx, String tokenizer, boolean quantized, List<LaneClass> laneClasses) {
  public VariantSpec {
    Checks.id("name", name);
    Checks.present("onnx", onnx);
    Checks.present("tokenizer", tokenizer);
    laneClasses = Checks.list(laneClasses);
    if (laneClasses.isEmpty()) {
      laneClasses = List.of(LaneClass.GENERAL);
    }
  }
}
