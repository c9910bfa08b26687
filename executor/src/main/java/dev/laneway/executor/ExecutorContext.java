package dev.laneway.executor;

import java.util.function.LongSupplier;

/**
 * What the parts of one lane's executor share — admission, the queue, the tokenizer stage, the instances and the
 * watchdog hook: its configuration and batch decision, its clock, the slots and in-flight counts every path that
 * answers an item frees, where outcomes are counted (stats for in-process readers, telemetry for export) and costs
 * learned. Built once by {@link LaneExecutor}; every field is thread-safe.
 */
record ExecutorContext(ExecutorConfig config, Batcher batcher, LongSupplier clock, Slots slots, ExecutorStats stats,
    ExecutorTelemetry telemetry, CostLedger costs, DeviceMemory memory) {
  String name() {
    return config.name();
  }

  long now() {
    return clock.getAsLong();
  }
}
