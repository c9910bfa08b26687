package dev.laneway.executor;

import java.util.List;

/**
 * The execution provider an executor runs a device on.
 *
 * @param requested the device's providers, in order of preference
 * @param provider the provider in use
 * @param standIn true when the device asked for an accelerator first and runs on the CPU provider instead
 * @param reason why the preferred providers were passed over (empty when the first one was used)
 */
public record DeviceProvider(String device, List<String> requested, String provider, boolean standIn, String reason) {
  public DeviceProvider {
    requested = List.copyOf(requested);
  }

  static DeviceProvider of(String device, dev.laneway.runtime.ProviderChoice p) {
    return new DeviceProvider(device, p.requested(), p.chosen(), p.standIn(), p.reason());
  }
}
