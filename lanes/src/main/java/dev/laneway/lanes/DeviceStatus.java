package dev.laneway.lanes;

import java.util.List;

/**
 * A device as a lane runs it: the providers it asked for, the one it got, and whether that makes it a CPU stand-in.
 *
 * @param reason why earlier providers were passed over (empty when the first was used)
 */
public record DeviceStatus(String device, String kind, List<String> requested, String provider, boolean standIn, String reason) {}
