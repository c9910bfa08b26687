package dev.laneway.gateway.pipeline;

import dev.laneway.base.ModelKey;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.LaneHealth;

/**
 * What routing needs to know about lanes, read from each lane's own health view ({@code Lane.health()}) and estimates
 * at decision time, and the spill hysteresis the gateway keeps: routing's {@link LaneHealth}, keyed by lane id.
 * Any thread.
 */
final class RoutingHealth implements LaneHealth {
  private final Lanes lanes;
  private final SpillState spill;

  RoutingHealth(Lanes lanes, SpillState spill) {
    this.lanes = lanes;
    this.spill = spill;
  }

  @Override
  public String unavailableReason(String id) {
    Lane l = lanes.find(id).orElse(null);
    return l == null ? "not started in this process" : l.health().unavailableReason();
  }

  @Override
  public String notAdmitted(String id, String model, String variant) {
    Lane l = lanes.find(id).orElse(null);
    if (l == null) return null;
    String refused = l.health().notAdmitted(model, variant);
    if (refused != null) return refused;
    return l.serves(model, variant) ? null : ModelKey.of(model, variant) + " is not loaded on this lane";
  }

  @Override
  public String drift(String id, String model, String variant) {
    Lane l = lanes.find(id).orElse(null);
    return l == null ? null : l.health().drift(model, variant);
  }

  @Override
  public double expectedLatencyMs(String id) {
    return lanes.find(id).map(l -> l.health().ewmaMs()).orElse(0.0);
  }

  @Override
  public double estimateMs(String id, String latencyClass, int texts) {
    Lane l = lanes.find(id).orElse(null);
    long nanos = l == null ? -1 : l.expectedCompletionNanos(latencyClass, texts);
    return nanos < 0 ? Double.NaN : nanos / 1e6;
  }

  @Override
  public double waitMs(String id, String latencyClass) {
    Lane l = lanes.find(id).orElse(null);
    long nanos = l == null ? -1 : l.expectedWaitNanos(latencyClass);
    return nanos < 0 ? Double.NaN : nanos / 1e6;
  }

  @Override
  public boolean spilling(String id, String latencyClass) {
    return spill.spilling(id, latencyClass);
  }
}
