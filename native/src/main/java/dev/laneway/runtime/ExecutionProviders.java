package dev.laneway.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Execution providers by the names topology files use ({@code cuda}, {@code tensorrt}, {@code openvino}, {@code qnn},
 * {@code cann} (declared, but the Java binding cannot register it, so it always falls through), {@code rocm}, {@code dnnl}, {@code xnnpack}, {@code coreml}, {@code directml}, {@code cpu}) and the
 * choice of one for a device: the first in the device's list that this ONNX Runtime build has and that registers
 * without error. When the choice is the CPU provider although the device asked for something else first, the device is
 * a <em>stand-in</em>, and {@link ProviderChoice} says so and why.
 */
public final class ExecutionProviders {
  /** Every provider name a topology may use, in no particular order. */
  public static final Set<String> KNOWN =
      Set.of("cuda", "tensorrt", "openvino", "qnn", "cann", "rocm", "dnnl", "xnnpack", "coreml", "directml", "cpu");

  private ExecutionProviders() {}

  /** The loaded ONNX Runtime's version ({@code 1.28.0}). */
  public static String runtimeVersion() {
    return OrtEnvironment.getEnvironment().getVersion();
  }

  /** Providers compiled into the loaded ONNX Runtime, by our names. */
  public static Set<String> available() {
    EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
    Set<String> names = new java.util.TreeSet<>();
    for (OrtProvider p : providers) {
      String name = nameOf(p);
      if (name != null) {
        names.add(name);
      }
    }
    names.add("cpu");
    return names;
  }

  /**
   * Registers the first usable provider of {@code preferred} on {@code options} and says which it was.
   *
   * @throws IllegalArgumentException for an unknown provider name
   */
  public static ProviderChoice choose(List<String> preferred, OrtSession.SessionOptions options) {
    if (preferred.isEmpty()) {
      return new ProviderChoice(List.of("cpu"), "cpu", false, "");
    }
    Set<String> available = available();
    List<String> reasons = new ArrayList<>();
    for (String name : preferred) {
      String n = name.toLowerCase(Locale.ROOT);
      if (!KNOWN.contains(n)) {
        throw new IllegalArgumentException("execution provider: " + name + " (expected one of " + KNOWN + ")");
      }
      if (n.equals("cpu")) {
        boolean standIn = !preferred.get(0).equalsIgnoreCase("cpu");
        return new ProviderChoice(List.copyOf(preferred), "cpu", standIn, String.join("; ", reasons));
      }
      if (!available.contains(n)) {
        reasons.add(n + " not in this ONNX Runtime build (has " + available + ")");
        continue;
      }
      try {
        register(n, options);
        return new ProviderChoice(List.copyOf(preferred), n, false, String.join("; ", reasons));
      } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
        reasons.add(n + " failed to register: " + e.getMessage());
      }
    }
    throw new IllegalStateException(
        "no execution provider of " + preferred + " is usable here: " + String.join("; ", reasons));
  }

  private static void register(String name, OrtSession.SessionOptions options) throws OrtException {
    switch (name) {
      case "cuda" -> options.addCUDA(0);
      case "tensorrt" -> options.addTensorrt(0);
      case "openvino" -> options.addOpenVINO("");
      case "qnn" -> options.addQnn(Map.of());
      case "rocm" -> options.addROCM(0);
      case "dnnl" -> options.addDnnl(true);
      case "xnnpack" -> options.addXnnpack(Map.of());
      case "coreml" -> options.addCoreML();
      case "directml" -> options.addDirectML(0);
      default -> throw new IllegalArgumentException("execution provider: " + name);
    }
  }

  private static String nameOf(OrtProvider p) {
    return switch (p) {
      case CUDA -> "cuda";
      case TENSOR_RT -> "tensorrt";
      case OPEN_VINO -> "openvino";
      case QNN -> "qnn";
      case ROCM -> "rocm";
      case DNNL -> "dnnl";
      case XNNPACK -> "xnnpack";
      case CORE_ML -> "coreml";
      case DIRECT_ML -> "directml";
      case CPU -> "cpu";
      default -> null;
    };
  }
}
