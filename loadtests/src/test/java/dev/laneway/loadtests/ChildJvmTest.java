package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JVM options a bench child gets, as the launcher gives them (its {@code jit_flags}). */
class ChildJvmTest {
  @Test
  void byDefaultNoneAndLowPutsTheCompilerThreadsAtTheLowestPriority() {
    assertEquals(List.of(), ChildJvm.jvmOptions(Map.of()));
    List<String> low = List.of("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=19",
        "-XX:JavaPriority6_To_OSPriority=0", "-XX:JavaPriority7_To_OSPriority=0", "-XX:JavaPriority8_To_OSPriority=0",
        "-XX:JavaPriority9_To_OSPriority=0", "-XX:JavaPriority10_To_OSPriority=0");
    assertEquals(low, ChildJvm.jvmOptions(Map.of("LANEWAY_JIT_PRIORITY", "low")));
  }

  @Test
  void eachVariableHasItsOwnFlagsAndJavaOptsComeLast() {
    assertEquals(List.of("-XX:TieredStopAtLevel=1", "-Xmx1g", "-Dx=y"), ChildJvm.jvmOptions(Map.of(
        "LANEWAY_JIT", "c1", "LANEWAY_JAVA_OPTS", " -Xmx1g  -Dx=y ")));
    List<String> c1 = ChildJvm.jvmOptions(Map.of("LANEWAY_JIT", "c1", "LANEWAY_JIT_PRIORITY", "low"));
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

  /** The launcher's own {@code jit_flags} (bash), run for each setting, gives what {@link ChildJvm} gives. */
  @Test
  void theLauncherGivesTheSameFlags() throws Exception {
    Path launcher = Path.of("..", "laneway").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(launcher), launcher + " not found");
    for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("LANEWAY_JIT", "c1"),
        Map.of("LANEWAY_JIT_PRIORITY", "low"), Map.of("LANEWAY_JIT", "c1", "LANEWAY_JIT_PRIORITY", "low"))) {
      assertEquals(ChildJvm.jvmOptions(env), launcherFlags(launcher, env), "for " + env);
    }
  }

  private static List<String> launcherFlags(Path launcher, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c",
        "source <(sed -n '/^jit_flags()/,/^}/p' \"$0\") && jit_flags", launcher.toString());
    pb.environment().keySet().removeIf(k -> k.startsWith("LANEWAY_"));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out.isEmpty() ? List.of() : Arrays.asList(out.split("\\s+"));
  }
}
