package dev.laneway.executor;

import dev.laneway.runtime.ModelSource;
import dev.laneway.runtime.OnnxGraph;
import java.util.Set;

/**
 * What can be read from a model variant's files without loading it: the ONNX graph's operator types (admission to a
 * specialised lane checks them against the lane's {@code supported_ops}), the files' fingerprints (the calibration
 * cache's keys), and the runtime that will run them ({@link #runtimeVersion}, which a device may pin). Stateless; safe from any thread.
 */
public final class ModelFiles {
  private ModelFiles() {}

  /** The distinct operator types of the variant's ONNX graph ({@code MatMulInteger}, {@code Gather}, …), sorted. */
  public static Set<String> operators(ExecutorModel model) {
    return OnnxGraph.operators(ModelSource.of(model.onnx()).readAllBytes());
  }

  /** The ONNX Runtime version this process loaded, which runs every variant ({@code 1.28.0}). */
  public static String runtimeVersion() {
    return dev.laneway.runtime.ExecutionProviders.runtimeVersion();
  }

  /**
   * Identifies a file's content without reading it (see {@link ModelSource#fingerprint}): a jar entry's CRC-32 and
   * size, a file's path, size and modification time.
   */
  static String fingerprint(String location) {
    return ModelSource.of(location).fingerprint();
  }
}
