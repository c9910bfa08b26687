package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background trainer of the launcher's ahead-of-time cache: its command line and its temporary files. A trainer
 * run for real, from the gateway's jar (a JVM refuses a class directory in an AOT cache's classpath), is in the
 * loadtests module's {@code AotTrainingProcessTest}.
 */
class AotTrainingTest {
  private static final String MAIN = Main.class.getName();

  @Test
  void theTrainer_isThisCommandLine_atNice19_recordingTheCache_withItsOwnPortsAndExitWhenReady() {
    List<String> argv = List.of("/jdk/bin/java", "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC",
        "-XX:AOTCache=/old/gateway-a.aot", "-Xlog:aot=error,cds=error", "-XX:TieredStopAtLevel=1", "-cp", "a.jar:b.jar",
        MAIN, "--http-port", "8000", "--topology", "t.yaml", "--limits-redis", "redis://10.0.0.1:6379");
    List<String> cmd = AotTraining.command(argv, MAIN, Path.of("/c/gateway-b.aot.training-7"));
    List<String> expected = new ArrayList<>(List.of("nice", "-n", "19", "/jdk/bin/java",
        "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-cp", "a.jar:b.jar",
        "-XX:AOTCacheOutput=/c/gateway-b.aot.training-7", "-Xlog:aot=error,cds=error", MAIN, "--http-port", "8000",
        "--topology", "t.yaml", "--limits-redis", "redis://10.0.0.1:6379"));
    expected.addAll(AotTraining.OVERRIDES);
    assertEquals(expected, cmd, "the same JVM options (the cache must see them again) and arguments, then overrides");
  }

  @Test
  void aNodesTrainer_staysANode() {
    List<String> cmd = AotTraining.command(List.of("java", "-cp", "x.jar", MAIN, "node", "--region", "hk"), MAIN,
        Path.of("n.aot.training-1"));
    int main = cmd.indexOf(MAIN);
    assertEquals(List.of("node", "--region", "hk"), cmd.subList(main + 1, main + 4));
  }

  @Test
  void theOverrides_areValidOptions_thatWinOverTheGatewaysOwn() {
    List<String> args = new ArrayList<>(List.of("--host", "0.0.0.0", "--http-port", "8000", "--grpc-port", "8001",
        "--metrics-port", "9464", "--admin-port", "8002", "--limits-redis", "redis://10.0.0.1:6379",
        "--otel-traces-exporter", "otlp"));
    args.addAll(AotTraining.OVERRIDES);
    GatewayOptions o = GatewayOptions.parse(args.toArray(String[]::new));
    assertEquals("127.0.0.1", o.host());
    assertEquals(List.of(0, 0, 0, 0), List.of(o.httpPort(), o.grpcPort(), o.metricsPort(), o.adminPort()),
        "no port of the serving gateway taken");
    assertNull(o.limitsRedis(), "the trainer counts no tenant's requests in the region's shared limits");
    assertEquals("none", o.otelTracesExporter(), "its warm-up's spans go nowhere");
    assertFalse(o.watch());
    assertTrue(o.exitWhenReady(), "it exits once ready, and its JVM writes the cache");
  }

  @Test
  void noMainClass_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AotTraining.command(List.of("java", "-jar", "x.jar"), MAIN, Path.of("x")));
    assertTrue(e.getMessage().contains(MAIN), e.getMessage());
  }

  @Test
  void theLauncherAsks_throughItsEnvironmentVariable() {
    assertEquals(Path.of("/c/g.aot"), AotTraining.requested(Map.of("LANEWAY_AOT_TRAIN", "/c/g.aot")));
    assertNull(AotTraining.requested(Map.of()));
    assertNull(AotTraining.requested(Map.of("LANEWAY_AOT_TRAIN", " ")));
  }

  @Test
  void staleTemporaryFiles_areSwept_freshOnesAndCachesKept(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("gateway-b-f.aot");
    long old = System.currentTimeMillis() - AotTraining.STALE_MILLIS - 60_000;
    Path stale = Files.writeString(dir.resolve("gateway-b-f.aot.training-12"), "x");
    Files.setLastModifiedTime(stale, FileTime.fromMillis(old));
    Path fresh = Files.writeString(dir.resolve("gateway-b-f.aot.training-34"), "x"); // another trainer's, running
    Path cache = Files.writeString(dir.resolve("gateway-b-g.aot"), "x");
    Files.setLastModifiedTime(cache, FileTime.fromMillis(old));
    AotTraining.sweepStale(file, System.currentTimeMillis() - AotTraining.STALE_MILLIS);
    assertFalse(Files.exists(stale), "left by a trainer whose parent died");
    assertTrue(Files.exists(fresh), "may still be written");
    assertTrue(Files.exists(cache), "a cache is never swept");
  }
}
