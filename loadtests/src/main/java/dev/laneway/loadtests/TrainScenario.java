package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code train}: trains the gateway's ahead-of-time cache (JDK 25, JEP 483/514/515) under load, so that a later
 * {@code ./laneway} start loads its classes linked and its methods' profiles from a run that served requests. The
 * cache the launcher trains on a first start holds the profiles of whatever that start did, often nothing but its
 * self warm-up. What it buys, measured (a shorter start; with {@code LANEWAY_JIT=c1}, a fresh gateway at half the
 * limit without a failure), is in docs/issue-19.md, "A fresh gateway, and the floor under the door overhead".
 *
 * <p>Starts a gateway as the launcher would, writing the cache file the launcher's next gateway start reads ({@code
 * LANEWAY_GATEWAY_AOT}: {@code gateway-BUILD-FLAGS.aot}, BUILD keyed by the JDK and the jars, FLAGS by the JIT flags
 * and {@code LANEWAY_JAVA_OPTS}; {@link #removeCaches} clears what it replaces), sends every front door it serves
 * {@code --rate} requests/s (default 150) of the corpus, REST JSON and gRPC unary for {@code --seconds} (default 20)
 * each and the other doors a third of that, then stops it and waits while the JVM writes the cache.
 */
final class TrainScenario implements Scenario {
  static final double DEFAULT_RATE = 150;

  @Override
  public JsonObject run(BenchContext ctx) {
    Path file = ChildJvm.aotFile();
    if (file == null) {
      throw new IllegalStateException("bench train: no ahead-of-time cache to train (LANEWAY_GATEWAY_AOT is not set): "
          + "run it as ./laneway bench train, without LANEWAY_AOT=off");
    }
    BenchOptions o = ctx.options();
    double rate = o.rate() > 0 ? o.rate() : DEFAULT_RATE;
    int seconds = o.seconds(20, 3);
    removeCaches(file);
    try {
      Files.createDirectories(file.getParent()); // the JVM does not: it fails to write the cache at exit
    } catch (IOException e) {
      throw new UncheckedIOException("bench train: cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    JsonObject out = new JsonObject().put("scenario", "train").put("aot_file", file.toString()).put("rate", rate);
    GatewayProcess g = ctx.startGateway(List.of(), null, "gateway", ChildJvm.Aot.TRAIN);
    long sent = 0;
    long failed = 0;
    JsonObject doors = new JsonObject();
    try (Http http = new Http("127.0.0.1", g.httpPort(), 30_000);
        GrpcClients grpc = g.grpcPort() > 0 ? new GrpcClients("127.0.0.1", g.grpcPort(), 30_000) : null) {
      List<InferClient> clients = new ArrayList<>(List.of(new RestJsonClient(http), new RestBinaryClient(http),
          new OpenAiClient(http)));
      if (grpc != null) {
        clients.add(1, grpc.unary());
        clients.add(3, grpc.stream());
      }
      for (InferClient c : clients) {
        String why = ctx.probe(c);
        if (why != null) {
          doors.put(c.name(), new JsonObject().put("available", false).put("unavailable", why));
          continue;
        }
        boolean main = c.name().equals("rest-json") || c.name().equals("grpc");
        Recording r = ctx.load(c, "train " + c.name(), rate, main ? seconds : Math.max(1, seconds / 3), null, null);
        JsonObject s = BenchContext.summary(r);
        doors.put(c.name(), s);
        sent += s.getLong("sent", 0L);
        failed += s.getLong("failed", 0L) + s.getLong("lost", 0L);
        c.close();
      }
    } finally {
      long t0 = System.nanoTime();
      int status = g.stop(300);
      out.put("exit_status", status).put("write_s", BenchContext.round((System.nanoTime() - t0) / 1e9));
    }
    out.put("doors", doors).put("sent", sent).put("failed", failed);
    long bytes = size(file);
    if (bytes <= 0) {
      throw new IllegalStateException("bench train: the gateway exited with status " + out.getInteger("exit_status")
          + " and wrote no cache at " + file + "; its log: " + g.log());
    }
    ctx.progress().println("[bench] trained " + file + " (" + bytes / (1 << 20) + " MiB) with " + sent
        + " requests: later ./laneway starts of this build use it");
    return out.put("aot_bytes", bytes);
  }

  /**
   * Before training {@code file} ({@code gateway-BUILD-FLAGS.aot}, as the launcher names it): removes it and the
   * gateway caches of other builds, as a first start of the launcher does, and keeps this build's caches for other JIT
   * settings. A name without the two keys (an older launcher's) leaves no build to keep: every gateway cache goes.
   */
  static void removeCaches(Path file) {
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) return;
    String name = file.getFileName().toString();
    int build = name.indexOf('-');
    int flags = build < 0 ? -1 : name.indexOf('-', build + 1);
    String keep = flags < 0 ? null : name.substring(0, flags + 1);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "gateway-*.aot*")) {
      for (Path p : old) {
        String n = p.getFileName().toString();
        boolean replaced = n.equals(name) || n.equals(name + ".config");
        if (keep == null || !n.startsWith(keep) || replaced) Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("bench train: cannot clear " + dir + ": " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.size(file) : -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
