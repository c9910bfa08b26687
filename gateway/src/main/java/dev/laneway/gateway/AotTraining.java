package dev.laneway.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The launcher's ahead-of-time cache (JDK 25, JEP 483/514/515), trained by a JVM of its own once a first start is
 * ready, so that recording it costs that start nothing.
 *
 * <p>On the first start of a build, {@code ./laneway} runs the gateway (or node) without recording, which cost that
 * start 0.8-1 s on two cores (README "Start-up"), and names the cache in {@code LANEWAY_AOT_TRAIN}. Once ready, the
 * process starts a trainer: its own command line with {@code -XX:AOTCacheOutput} naming a temporary file, under {@code
 * nice -n 19} (it takes only the CPU nothing else wants), with {@link #OVERRIDES} after its arguments (every port 0 on
 * 127.0.0.1, no trace exporter, no shared limits, {@code --exit-when-ready}). The trainer starts as the process did,
 * with the same topology, policy and caches. It writes the optimized models the process left unwritten (see {@link
 * #follows}), reports ready once its self warm-up is done, exits, and its JVM writes the cache; a shell then moves
 * the file to its name, so no start ever reads half a cache; the next start of the build and setting uses it. The
 * trainer's output goes to {@code FILE.log}. It finishes even when the process has exited meanwhile; a trainer that
 * is stopped (a signal to the process group: Ctrl-C) leaves no cache, and the next start trains again.
 */
final class AotTraining {
  /** The environment variable in which the launcher names the cache to train. */
  static final String ENV = "LANEWAY_AOT_TRAIN";
  /** The trainer's options after the process's own (the last value of a flag wins). */
  static final List<String> OVERRIDES = List.of("--host", "127.0.0.1", "--admin-host", "127.0.0.1", "--http-port", "0",
      "--grpc-port", "0", "--metrics-port", "0", "--admin-port", "0", "--otel-traces-exporter", "none",
      "--limits-redis", "", "--watch", "false", "--exit-when-ready", "true");
  /** A temporary file older than this was left by a trainer whose parent died (several may share the directory). */
  static final long STALE_MILLIS = TimeUnit.MINUTES.toMillis(10);
  private static final Logger LOG = Logger.getLogger(AotTraining.class.getName());

  private AotTraining() {}

  /** The cache file {@code env} asks this process to have trained ({@link #ENV}), or null. */
  static Path requested(Map<String, String> env) {
    String f = env.get(ENV);
    return f == null || f.isBlank() ? null : Path.of(f);
  }

  /**
   * Whether a trainer follows this start: the launcher asked for one and this process is not one. Then this start
   * writes no optimized model to the session cache (0.6-0.7 s an fp32 model here); the trainer does, at nice 19.
   */
  static boolean follows(GatewayOptions options) {
    return requested(System.getenv()) != null && !options.exitWhenReady();
  }

  /**
   * The trainer's command: {@code argv} (a JVM's: its java binary, its options, {@code mainClass}, then the gateway's
   * arguments) under {@code nice -n 19}, its ahead-of-time options replaced by {@code -XX:AOTCacheOutput=out}, and
   * {@link #OVERRIDES} after the arguments.
   */
  static List<String> command(List<String> argv, String mainClass, Path out) {
    int main = argv.indexOf(mainClass);
    if (main < 1) throw new IllegalArgumentException("no " + mainClass + " after the java binary in " + argv);
    List<String> cmd = new ArrayList<>(List.of("nice", "-n", "19", argv.get(0)));
    for (String a : argv.subList(1, main)) {
      if (!a.startsWith("-XX:AOTCache") && !a.startsWith("-XX:AOTMode") && !a.startsWith("-XX:AOTConfiguration")
          && !a.startsWith("-Xlog:aot")) {
        cmd.add(a);
      }
    }
    cmd.add("-XX:AOTCacheOutput=" + out);
    cmd.add("-Xlog:aot=error,cds=error");
    cmd.addAll(argv.subList(main, argv.size()));
    cmd.addAll(OVERRIDES);
    return cmd;
  }

  /**
   * Starts the trainer when {@link #follows} this start; returns at once. Logs the outcome when the trainer exits:
   * INFO with the cache's name when it was written, else WARNING with the trainer's exit status and log.
   */
  static void startIfRequested(GatewayOptions options) {
    if (!follows(options)) return;
    Path file = requested(System.getenv());
    List<String> argv = argv();
    if (argv == null) {
      LOG.warning("ahead-of-time cache: this JVM's command line cannot be read; not trained (" + file + ")");
      return;
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".training-" + ProcessHandle.current().pid());
    Path log = file.resolveSibling(file.getFileName() + ".log");
    sweepStale(file, System.currentTimeMillis() - STALE_MILLIS);
    List<String> cmd;
    try {
      cmd = command(argv, Main.class.getName(), tmp);
    } catch (IllegalArgumentException e) {
      LOG.warning("ahead-of-time cache: " + e.getMessage() + "; not trained");
      return;
    }
    Process p;
    try {
      p = start(cmd, tmp, file, log);
    } catch (IOException e) {
      LOG.warning("ahead-of-time cache: cannot start its trainer (" + e.getMessage() + "); not trained");
      return;
    }
    long t0 = System.nanoTime();
    LOG.info("ahead-of-time cache: training " + file + " in process " + p.pid() + " at nice 19 (its log: " + log
        + "); the next start uses it");
    p.onExit().thenAccept(done -> {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (done.exitValue() == 0 && Files.isRegularFile(file)) {
        LOG.info("ahead-of-time cache: trained in " + ms + " ms: " + file + "; the next start of this build uses it");
      } else {
        LOG.warning("ahead-of-time cache: its trainer exited " + done.exitValue() + " after " + ms + " ms without "
            + "writing " + file + "; the next start trains again (its log: " + log + ")");
      }
    });
  }

  /**
   * Runs {@code cmd} in a shell that moves the cache it wrote ({@code tmp}, non-empty, after an exit 0) to {@code file}
   * and removes its temporary files: the trainer finishes and the cache gets its name even when this process has
   * exited meanwhile (a gateway stopped just after ready); a signal to the whole process group stops both.
   */
  private static Process start(List<String> cmd, Path tmp, Path file, Path log) throws IOException {
    List<String> sh = new ArrayList<>(List.of("sh", "-c", "\"$@\" && [ -s \"$LANEWAY_AOT_TMP\" ] && mv -f "
        + "\"$LANEWAY_AOT_TMP\" \"$LANEWAY_AOT_FILE\"; rc=$?; rm -f \"$LANEWAY_AOT_TMP\" \"$LANEWAY_AOT_TMP.config\"; "
        + "exit $rc", "laneway-aot-trainer"));
    sh.addAll(cmd);
    ProcessBuilder b = new ProcessBuilder(sh).redirectErrorStream(true).redirectOutput(log.toFile());
    b.environment().remove(ENV); // a trainer starts no trainer
    b.environment().remove("LANEWAY_LAUNCHED_US");
    b.environment().put("LANEWAY_AOT_TMP", tmp.toString());
    b.environment().put("LANEWAY_AOT_FILE", file.toString());
    return b.start();
  }

  /**
   * This JVM's command line: Linux's {@code /proc/self/cmdline} (the JDK's {@code ProcessHandle.Info.arguments()} was
   * empty here for a command line of this length), else what {@code ProcessHandle} knows; null when neither says.
   */
  private static List<String> argv() {
    try {
      String line = Files.readString(Path.of("/proc/self/cmdline"), java.nio.charset.StandardCharsets.UTF_8);
      List<String> argv = new ArrayList<>(List.of(line.split("\0", -1)));
      if (!argv.isEmpty() && argv.get(argv.size() - 1).isEmpty()) argv.remove(argv.size() - 1);
      if (argv.size() > 1) {
        argv.set(0, ProcessHandle.current().info().command().orElse(argv.get(0))); // the java binary's full path
        return argv;
      }
    } catch (IOException | RuntimeException e) { // not Linux
      LOG.log(Level.FINE, "ahead-of-time cache: no /proc/self/cmdline", e);
    }
    ProcessHandle.Info self = ProcessHandle.current().info();
    if (self.command().isEmpty() || self.arguments().isEmpty()) return null;
    List<String> argv = new ArrayList<>(List.of(self.command().get()));
    argv.addAll(List.of(self.arguments().get()));
    return argv;
  }

  /** Deletes {@code file}'s temporary training files last written before {@code beforeMillis}. */
  static void sweepStale(Path file, long beforeMillis) {
    String prefix = file.getFileName() + ".training-";
    try (var files = Files.newDirectoryStream(file.toAbsolutePath().getParent(), prefix + "*")) {
      for (Path p : files) {
        try {
          if (Files.getLastModifiedTime(p).toMillis() < beforeMillis) Files.deleteIfExists(p);
        } catch (IOException e) { // gone meanwhile: nothing to sweep
          LOG.log(Level.FINE, "ahead-of-time cache: cannot delete " + p, e);
        }
      }
    } catch (IOException e) { // no directory: nothing to sweep
      LOG.log(Level.FINE, "ahead-of-time cache: cannot list " + file.getParent(), e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a stray temporary file beside a cache is harmless; the next trainer's parent sweeps it
    }
  }
}
