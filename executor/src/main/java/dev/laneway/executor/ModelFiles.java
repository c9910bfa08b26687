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

  /**
   * The distinct operator types of the variant's ONNX graph ({@code MatMulInteger}, {@code Gather}, …), sorted. Kept
   * with admission's measurements ({@link Calibration#persistIn}), keyed by the model file's fingerprint: reading
   * them costs reading the model (0.2-0.6 s for an int8 variant out of its jar), a later start reads the list.
   */
  public static Set<String> operators(ExecutorModel model) {
    String key;
    try {
      key = Calibration.digest("operators v1\n" + fingerprint(model.onnx()));
    } catch (RuntimeException e) {
      return read(model);
    }
    String ops = Calibration.remembered(key, () -> String.join(",", read(model)));
    return ops.isEmpty() ? Set.of() : new java.util.TreeSet<>(java.util.Arrays.asList(ops.split(",")));
  }

  private static Set<String> read(ExecutorModel model) {
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
