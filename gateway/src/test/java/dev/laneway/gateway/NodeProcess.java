package dev.laneway.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An executor node ({@code Main node --region R}) in its own JVM, on this test's classpath, bound to 127.0.0.1 with a
 * fixed gRPC port (so that a restarted node keeps its address). {@link #kill} is SIGKILL.
 */
final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();

  private NodeProcess(Process process) {
    this.process = process;
    Thread.ofPlatform().daemon().name("node-log-" + process.pid()).start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (tail) {
            tail.addLast(line);
            while (tail.size() > 40) tail.pollFirst();
          }
          if (line.contains("ready in")) ready.complete(null);
        }
      } catch (IOException ignored) {
        // the process died; waitReady reports its log
      }
      ready.completeExceptionally(new IllegalStateException("node exited before ready:\n" + tail()));
    });
  }

  static NodeProcess start(String region, Path topology, int grpcPort, String... extra) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node", "--region", region,
        "--topology", topology.toString(), "--host", "127.0.0.1", "--grpc-port", String.valueOf(grpcPort),
        "--http-port", "0", "--metrics-port", "0", "--watch", "false",
        "--admission-cache", GatewayOptions.ephemeral().admissionCache().toString()));
    cmd.addAll(List.of(extra));
    try {
      return new NodeProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  NodeProcess awaitReady() {
    try {
      ready.get(60, TimeUnit.SECONDS);
      return this;
    } catch (Exception e) {
      throw new IllegalStateException("node not ready: " + e.getMessage() + "\n" + tail(), e);
    }
  }

  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  /** SIGKILL: no drain, connections reset. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
  }
}
