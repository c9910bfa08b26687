package dev.laneway.loadtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An executor node ({@code laneway node --region R}) as a child JVM, on the gateway's classpath as
 * {@link GatewayProcess} runs the gateway; {@link #kill} is SIGKILL (the bench's node-kill phase), {@link #close}
 * SIGTERM. Ports are logged on its ready line and read from there.
 */
final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int grpcPort;

  private NodeProcess(Process process, Path log, int grpcPort) {
    this.process = process;
    this.log = log;
    this.grpcPort = grpcPort;
  }

  /** Starts a node for {@code region} on {@code topology} ({@code grpcPort} 0: a free port) and waits until ready. */
  static NodeProcess start(String region, Path topology, int grpcPort, List<String> extra, Path log) {
    Path home = ChildJvm.home();
    String cp = home == null ? null : ChildJvm.classpath(home);
    if (cp == null) throw new IllegalStateException("no gateway/target/laneway.classpath: build the gateway first");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC"));
    cmd.addAll(ChildJvm.jvmOptions()); // as the launcher gives a node
    cmd.addAll(List.of("-cp", cp, "dev.laneway.gateway.Main", "node", "--region", region, "--topology",
        topology.toString(), "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", String.valueOf(grpcPort),
        "--metrics-port", "0", "--drain-timeout", "3s", "--watch", "false"));
    cmd.addAll(extra);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < end) {
        String text = Files.readString(log);
        if (!p.isAlive()) {
          throw new IllegalStateException("node " + region + " exited before ready; log " + log + ":\n"
              + GatewayProcess.tail(text, 20));
        }
        if (text.contains("ready in")) {
          int port = GatewayProcess.grpcPort(text);
          if (port > 0) return new NodeProcess(p, log, port);
        }
        Thread.sleep(200);
      }
      p.destroyForcibly();
      throw new IllegalStateException("node " + region + " not ready after 180 s; log " + log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int grpcPort() {
    return grpcPort;
  }

  Path log() {
    return log;
  }

  /** SIGKILL: no drain; the gateway sees connections reset. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) return;
    process.destroy();
    try {
      if (!process.waitFor(8, TimeUnit.SECONDS)) kill();
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
    }
  }
}
