package dev.laneway.topology;

/** What kind of accelerator a device is. */
public enum DeviceKind {
  GPU,
  NPU,
  CPU
}
