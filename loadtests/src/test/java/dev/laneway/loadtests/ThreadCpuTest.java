package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ThreadCpuTest {
  @Test
  void groupsThreadsAsTheKernelNamesThem() {
    assertEquals("lanes", ThreadCpu.group("laneway-hk-gene")); // instance and tokenizer threads, cut to 15 characters
    assertEquals("other", ThreadCpu.group("laneway-config-"));
    assertEquals("event_loop", ThreadCpu.group("vert.x-eventloo"));
    assertEquals("event_loop", ThreadCpu.group("grpc-default-wo"));
    assertEquals("jit", ThreadCpu.group("C2 CompilerThre"));
    assertEquals("gc", ThreadCpu.group("G1 Refine#0"));
    assertEquals("other", ThreadCpu.group("main"));
  }

  @Test
  void perRequestDividesEachGroupsDelta() {
    Map<String, Long> before = Map.of("lanes", 1_000_000_000L, "jit", 0L);
    Map<String, Long> after = Map.of("lanes", 2_000_000_000L, "jit", 100_000_000L, "gc", 50_000_000L);
    JsonObject o = ThreadCpu.perRequest(before, after, 1000, 2.5);
    assertEquals(1000L, o.getLong("lanes")); // 1 s over 1000 requests
    assertEquals(100L, o.getLong("jit"));
    assertEquals(50L, o.getLong("gc")); // a group that appeared meanwhile counts from 0
    assertEquals(1150L, o.getLong("total"));
    assertEquals(0.46, o.getDouble("cores")); // 1.15 s of CPU over 2.5 s
    assertNull(ThreadCpu.perRequest(Map.of(), after, 1000, 2.0));
    assertNull(ThreadCpu.perRequest(before, after, 0, 2.0));
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void samplesThisProcessCpuWhileItWorks() {
    long pid = ProcessHandle.current().pid();
    Map<String, Long> before = ThreadCpu.sample(pid);
    assertFalse(before.isEmpty());
    long end = System.nanoTime() + 200_000_000L;
    double x = 0;
    while (System.nanoTime() < end) x += Math.sqrt(x + 1); // 200 ms on this thread
    Map<String, Long> after = ThreadCpu.sample(pid);
    long spent = after.values().stream().mapToLong(Long::longValue).sum()
        - before.values().stream().mapToLong(Long::longValue).sum();
    assertTrue(spent >= 100_000_000L, "at least 100 ms of CPU seen, got " + spent / 1_000_000 + " ms (x=" + x + ")");
    assertTrue(ThreadCpu.sample(Long.MAX_VALUE).isEmpty(), "no such process: empty");
  }
}
