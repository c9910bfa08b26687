package dev.laneway.topology;

import java.util.List;

/**
 * One accelerator (or the CPU) in a region.
 *
 * @param providers ONNX Runtime execution providers to try, in order ({@code cuda}, {@code openvino}, … {@code cpu}).
 *     When the first is not available the device runs on a later one and, if that is {@code cpu}, is a stand-in.
 */
public record Device(String id, String region, DeviceKind kind, List<String> providers) {
  public Device {
    Checks.id("id", id);
    Checks.id("region", region);
    Checks.present("kind", kind);
    providers = Checks.list(providers);
    if (providers.isEmpty()) {
      providers = List.of("cpu");
    }
  }
}
