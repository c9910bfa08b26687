package dev.laneway.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;

/**
 * The process basics every service exports, observed at scrape time from the JVM's management beans (cheap: no
 * agent, no polling thread): heap and non-heap in use, live threads, uptime, CPU time. Names follow the
 * OpenTelemetry JVM semantic conventions.
 */
final class JvmMetrics {
  private static final AttributeKey<String> MEMORY_TYPE = AttributeKey.stringKey("jvm.memory.type");

  private JvmMetrics() {}

  static void register(Meter meter) {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Attributes heap = Attributes.of(MEMORY_TYPE, "heap");
    Attributes nonHeap = Attributes.of(MEMORY_TYPE, "non_heap");
    meter.upDownCounterBuilder("jvm.memory.used").setUnit("By").setDescription("JVM memory in use")
        .buildWithCallback(m -> {
          m.record(memory.getHeapMemoryUsage().getUsed(), heap);
          m.record(memory.getNonHeapMemoryUsage().getUsed(), nonHeap);
        });
    meter.upDownCounterBuilder("jvm.thread.live").setDescription("Live JVM threads (semconv jvm.thread.count; renamed: Prometheus reserves _count)")
        .buildWithCallback(m -> m.record(threads.getThreadCount()));
    meter.gaugeBuilder("process.uptime").setUnit("s").setDescription("Seconds since the JVM started")
        .buildWithCallback(m -> m.record(ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0));
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      meter.counterBuilder("process.cpu.time").ofDoubles().setUnit("s").setDescription("CPU time used by the process")
          .buildWithCallback(m -> m.record(os.getProcessCpuTime() / 1e9));
    }
  }
}
