package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JVM options a bench child gets, as the launcher gives them (its {@code jit_flags}). */
class ChildJvmTest {
  @Test
  void byDefaultTheCompilerThreadsRunAtTheLowestPriority() {
    List<String> low = List.of("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=19",
        "-XX:JavaPriority6_To_OSPriority=0", "-XX:JavaPriority7_To_OSPriority=0", "-XX:JavaPriority8_To_OSPriority=0",
        "-XX:JavaPriority9_To_OSPriority=0", "-XX:JavaPriority10_To_OSPriority=0");
    assertEquals(low, ChildJvm.jvmOptions(Map.of()));
  }

  @Test
  void eachVariableHasItsOwnFlagsAndJavaOptsComeLast() {
    assertEquals(List.of("-XX:TieredStopAtLevel=1", "-Xmx1g", "-Dx=y"), ChildJvm.jvmOptions(Map.of(
        "LANEWAY_JIT", "c1", "LANEWAY_JIT_PRIORITY", "normal", "LANEWAY_JAVA_OPTS", " -Xmx1g  -Dx=y ")));
    List<String> c1 = ChildJvm.jvmOptions(Map.of("LANEWAY_JIT", "c1"));
    assertEquals("-XX:TieredStopAtLevel=1", c1.get(0));
    assertEquals(ChildJvm.LOW_JIT_PRIORITY, c1.subList(1, c1.size()));
  }

  @Test
  void aValueTheLauncherWouldRefuseIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ChildJvm.jvmOptions(Map.of("LANEWAY_JIT_PRIORITY", "high")));
    assertEquals("LANEWAY_JIT_PRIORITY=high: expected low or normal", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ChildJvm.jvmOptions(Map.of("LANEWAY_JIT", "c2")));
  }
}
