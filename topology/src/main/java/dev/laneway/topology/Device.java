package dev.laneway.topology;

import java.util.List;

/**
 * One accelerator (or the CPU) in a region.
 *
 * @param providers ONNX Runtime execution providers to try, in order ({@code cuda}, {@code openvino}, … {@code cpu}).
 *     When the first is not available the device runs on a later one and, if that is {@code cpu}, is a stand-in.
 * @param runtimeVersion the ONNX Runtime version the device's driver and firmware are known to work with
 *     ({@code runtime_version: 1.28.0}), or null for no pin: a lane on a device whose pin the running runtime does not
 *     match takes no traffic (the NPU article's F6, driver version mismatch; M15)
 */
public record Device(String id, String region, DeviceKind kind, List<String> providers, String runtimeVersion) {
  /** Without a pinned runtime version. */
  public Device(String id, String region, DeviceKind kind, List<String> providers) {
    this(id, region, kind, providers, null);
  }

  public Device {
    Checks.id("id", id);
    Checks.id("region", region);
    Checks.present("kind", kind);
    providers = Checks.list(providers);
    if (providers.isEmpty()) {
      providers = List.of("cpu");
    }
    if (runtimeVersion != null && runtimeVersion.isBlank()) {
      throw new IllegalArgumentException("runtime_version: blank (expected: a version such as 1.28.0, or no key)");
    }
  }
}
