package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time a process spent, by thread group, read from {@code /proc/PID/task/TID/stat} (Linux; elsewhere every sample
 * is empty and the bench leaves the CPU fields out). Groups, by thread name: {@code lanes} (a lane's instance threads,
 * which run ONNX Runtime, and its tokenizer thread: the kernel keeps only 15 characters of a name, which leaves
 * {@code laneway-LANE} for both), {@code event_loop} (Vert.x and gRPC-Netty event loops), {@code jit} (C1/C2 compiler
 * threads), {@code gc}, {@code other}. Used by {@code e2e} to show where the two cores go
 * per request, on both sides of the wire.
 *
 * <p>Clock ticks are taken as 1/100 s ({@code USER_HZ} on Linux x86-64 and arm64), so a group's figure has 10 ms
 * resolution over the whole step.
 */
final class ThreadCpu {
  private static final long NANOS_PER_TICK = 10_000_000L;

  private ThreadCpu() {}

  /** Nanoseconds of CPU (user + system) per thread group of process {@code pid} so far; empty when unreadable. */
  static Map<String, Long> sample(long pid) {
    Map<String, Long> out = new TreeMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        int close = stat.lastIndexOf(')');
        String name = stat.substring(stat.indexOf('(') + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        out.merge(group(name), ticks * NANOS_PER_TICK, Long::sum);
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  /** Thread name (as the kernel keeps it: 15 characters) → group. */
  static String group(String name) {
    if (name.startsWith("laneway-") && !name.startsWith("laneway-config") && !name.startsWith("laneway-drain")) {
      return "lanes";
    }
    boolean eventLoop = name.startsWith("vert.x-eventloo") || name.startsWith("grpc-default-wo")
        || name.startsWith("grpc-nio-worker");
    if (eventLoop) return "event_loop";
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) return "jit";
    if (name.startsWith("GC ") || name.startsWith("G1 ")) return "gc";
    return "other";
  }

  /**
   * Microseconds per request by group between two samples, plus {@code total} and {@code cores} (CPU seconds per
   * second of {@code seconds}); null when either sample is empty or no request was answered.
   */
  static JsonObject perRequest(Map<String, Long> before, Map<String, Long> after, long requests, double seconds) {
    if (before.isEmpty() || after.isEmpty() || requests <= 0) return null;
    JsonObject o = new JsonObject();
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      total += d;
      o.put(e.getKey(), Math.round(d / 1e3 / requests));
    }
    o.put("total", Math.round(total / 1e3 / requests));
    o.put("cores", Math.round(total / 1e9 / seconds * 100) / 100.0);
    return o;
  }
}
