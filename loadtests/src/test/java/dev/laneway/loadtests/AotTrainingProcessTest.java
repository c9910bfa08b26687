package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first start as the launcher runs it ({@code LANEWAY_AOT_TRAIN} naming the cache): the gateway serves without
 * recording, a second JVM trains the cache once it is ready, and the next start runs from that cache with {@code
 * -XX:AOTMode=on} (a JVM that cannot use it refuses to start). Real JVMs from the gateway's jar, on ports 0.
 */
class AotTrainingProcessTest {
  private static final String MAIN = "dev.laneway.gateway.Main";

  @Test
  void aFirstStart_hasItsCacheTrainedByASecondJvm_andTheNextStartRunsFromIt(@TempDir Path dir) throws Exception {
    String cp = ChildJvm.classpath(ChildJvm.home(), true);
    assertNotNull(cp, "the gateway's jar is packaged before this module's tests");
    Path aot = Files.createDirectories(dir.resolve("aot")).resolve("gateway-test.aot");
    List<String> args = List.of(MAIN, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0", "--metrics-port",
        "0", "--admin-port", "0", "--session-cache", dir.resolve("sessions").toString(), "--admission-cache",
        dir.resolve("admission.properties").toString());

    Watched first = Watched.start(jvm(cp, List.of(), args), Map.of("LANEWAY_AOT_TRAIN", aot.toString()),
        "ready in", "ahead-of-time cache: trained in", "ahead-of-time cache: its trainer exited");
    try {
      first.await("ready in");
      String outcome = CompletableFuture.anyOf(first.seen("ahead-of-time cache: trained in"),
          first.seen("ahead-of-time cache: its trainer exited")).get(240, TimeUnit.SECONDS).toString();
      assertTrue(outcome.contains("trained in"), outcome + "\n" + first.tail());
    } finally {
      first.stop();
    }
    assertTrue(Files.size(aot) > 1 << 20, "a cache: " + Files.size(aot) + " bytes");
    try (Stream<Path> files = Files.list(aot.getParent())) {
      assertEquals(List.of("gateway-test.aot", "gateway-test.aot.log"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
    }
    String trainer = Files.readString(Path.of(aot + ".log"));
    assertTrue(trainer.contains("ready in") && trainer.contains("exit when ready"), "the trainer's log:\n" + trainer);
    try (Stream<Path> models = Files.list(dir.resolve("sessions"))) {
      assertTrue(models.anyMatch(p -> p.toString().endsWith(".onnx")), "the trainer wrote the optimized models");
    }

    Watched next = Watched.start(jvm(cp, List.of("-XX:AOTMode=on", "-XX:AOTCache=" + aot), args), Map.of(),
        "ready in");
    try {
      next.await("ready in");
      assertTrue(!next.tail().contains("ahead-of-time cache: training"), "no trainer: " + next.tail());
    } finally {
      next.stop();
    }
  }

  private static List<String> jvm(String cp, List<String> more, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC"));
    cmd.addAll(more);
    cmd.addAll(List.of("-cp", cp));
    cmd.addAll(args);
    return cmd;
  }

  /** A child process whose output is read on a thread of its own; each watched text completes when a line has it. */
  private record Watched(Process process, Map<String, CompletableFuture<String>> lines, StringBuffer out) {
    static Watched start(List<String> cmd, Map<String, String> env, String... watched) throws IOException {
      ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
      b.environment().remove("LANEWAY_AOT_TRAIN");
      b.environment().putAll(env);
      Map<String, CompletableFuture<String>> lines = new ConcurrentHashMap<>();
      for (String w : watched) lines.put(w, new CompletableFuture<>());
      Watched w = new Watched(b.start(), lines, new StringBuffer());
      Thread.ofPlatform().daemon().start(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(w.process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            w.out.append(line).append('\n');
            for (var e : lines.entrySet()) if (line.contains(e.getKey())) e.getValue().complete(line);
          }
        } catch (IOException ignored) { // the process is gone: the futures below say so
        }
        lines.values().forEach(f -> f.completeExceptionally(new IllegalStateException("exited:\n" + w.tail())));
      });
      return w;
    }

    CompletableFuture<String> seen(String text) {
      return lines.get(text);
    }

    String await(String text) throws Exception {
      return lines.get(text).get(180, TimeUnit.SECONDS);
    }

    String tail() {
      String s = out.toString();
      return s.substring(Math.max(0, s.length() - 6000));
    }

    /** SIGTERM (the gateway drains), then waits for the exit; SIGKILL if it does not come. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
