package dev.laneway.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * ONNX Runtime's optimized models kept across sessions and starts (ONNX Runtime's "offline mode": a session writes the
 * graph it optimized with {@code SessionOptions.setOptimizedModelFilePath}, and later sessions load that file with
 * graph optimization off). Opening a session from the original model costs reading it (inflating ~90 MB out of a
 * model jar: 0.5-1.5 s here) plus optimizing the graph (0.1-0.9 s); from the optimized file, 0.05-0.3 s, and the
 * model's bytes never pass through the Java heap.
 *
 * <p>A file is keyed by a digest of everything its graph depends on: the model file's fingerprint
 * ({@link ModelSource#fingerprint}), the ONNX Runtime version, the execution provider, the optimization level and the
 * machine (architecture and CPU model: an {@code ALL_OPT} graph may hold hardware-specific layouts). A file that fails
 * to load is deleted and the session is built from the model again. Sessions of one model opened at the same time
 * (one per lane) wait for the first to write the file, then load it.
 *
 * <pre>{@code
 * SessionCache.useDirectory(Path.of(System.getProperty("user.home"), ".cache/laneway/sessions"));
 * EncoderSession s = EncoderSession.open(spec, List.of("cpu"), 1);   // the second open of spec loads the file
 * }</pre>
 *
 * <p>Thread-safe. Off (null directory) by default: the gateway sets {@code --session-cache}.
 */
public final class SessionCache {
  private static final Logger LOG = Logger.getLogger(SessionCache.class.getName());
  /** A temporary file older than this was left by a process that died writing it (several may share the directory). */
  static final long STALE_TEMP_MILLIS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);
  private static volatile Path directory;
  /** False: optimized models in {@link #directory} are loaded but none is written (another process writes them). */
  private static volatile boolean writes = true;
  private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

  private SessionCache() {}

  /**
   * Keeps optimized models in {@code dir} (created when first written); null: every session optimizes its model.
   * Deletes the temporary files there that processes which died while writing one left behind (older than
   * {@link #STALE_TEMP_MILLIS}).
   */
  public static void useDirectory(Path dir) {
    useDirectory(dir, true);
  }

  /**
   * As {@link #useDirectory(Path)}; {@code write} false: sessions load the optimized models {@code dir} already holds
   * but write none (a session without one optimizes in memory). For a start that leaves writing them to a process of
   * its own after it is ready: writing an fp32 model's optimized graph cost its session 0.6-0.7 s here, on the path of
   * a first start.
   */
  public static void useDirectory(Path dir, boolean write) {
    directory = dir;
    writes = write;
    if (dir != null && write) sweepStale(dir, System.currentTimeMillis() - STALE_TEMP_MILLIS);
  }

  /** Deletes the temporary files in {@code dir} last written before {@code beforeMillis}. */
  private static void sweepStale(Path dir, long beforeMillis) {
    int deleted = 0;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".session") || !name.endsWith(".tmp")) continue;
        try {
          if (Files.getLastModifiedTime(p).toMillis() < beforeMillis && Files.deleteIfExists(p)) deleted++;
        } catch (IOException e) { // gone meanwhile, or not ours to delete: the next start tries again
          LOG.log(Level.FINE, "session cache: cannot delete " + p, e);
        }
      }
    } catch (IOException e) { // no directory yet: nothing to sweep
      return;
    }
    if (deleted > 0) LOG.fine("session cache: deleted " + deleted + " temporary files left by earlier processes");
  }

  /** The directory optimized models are kept in, or null. */
  public static Path directory() {
    return directory;
  }

  /**
   * Creates a session of {@code spec}'s model with {@code options} (providers and threads already set; the graph
   * optimization level {@code level}): from the cached optimized model when there is one, otherwise from the model,
   * writing the optimized model for the next session.
   */
  static Opened create(OrtEnvironment env, EncoderSpec spec, OrtSession.SessionOptions options,
      OrtSession.SessionOptions.OptLevel level, String provider) throws OrtException {
    Path dir = directory;
    String key = dir == null ? null : key(spec, level, provider);
    if (key == null) {
      options.setOptimizationLevel(level);
      return new Opened(env.createSession(spec.onnx().readAllBytes(), options), false);
    }
    Path file = dir.resolve(spec.model() + "-" + spec.variant() + "-" + key + ".onnx");
    if (Files.isRegularFile(file)) { // written at an earlier start: sessions load it at once, in parallel
      try {
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        return new Opened(env.createSession(file.toString(), options), true);
      } catch (OrtException | RuntimeException e) {
        LOG.fine("session cache: cannot load " + file + " (" + e.getMessage() + "); trying again under the lock");
      }
    }
    synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
      if (Files.isRegularFile(file)) {
        try {
          options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
          return new Opened(env.createSession(file.toString(), options), true);
        } catch (OrtException | RuntimeException e) {
          LOG.warning("session cache: cannot load " + file + " (" + e.getMessage() + "); optimizing " + spec.key()
              + " again");
          deleteQuietly(file);
        }
      }
      options.setOptimizationLevel(level);
      if (!writes) return new Opened(env.createSession(spec.onnx().readAllBytes(), options), false);
      Path tmp = null;
      try {
        Files.createDirectories(dir);
        tmp = Files.createTempFile(dir, ".session", ".onnx.tmp");
        options.setOptimizedModelFilePath(tmp.toString());
        // its warning that an ALL_OPT graph may be hardware-specific: the key names the machine
        options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      } catch (IOException e) {
        LOG.warning("session cache: cannot write in " + dir + " (" + e.getMessage() + ")");
        tmp = null;
      }
      OrtSession session;
      try {
        session = env.createSession(spec.onnx().readAllBytes(), options);
      } catch (OrtException | RuntimeException e) { // no half-written optimized model left behind
        if (tmp != null) deleteQuietly(tmp);
        throw e;
      }
      if (tmp != null) {
        try {
          if (Files.size(tmp) > 0) Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          LOG.warning("session cache: cannot keep " + file + " (" + e.getMessage() + ")");
        } finally {
          deleteQuietly(tmp);
        }
      }
      return new Opened(session, false);
    }
  }

  /** A session, and whether it was loaded from the cached optimized model. */
  record Opened(OrtSession session, boolean cached) {}

  /** The cache key, or null when the model cannot be fingerprinted (then it is not cached). */
  static String key(EncoderSpec spec, OrtSession.SessionOptions.OptLevel level, String provider) {
    String fingerprint;
    try {
      fingerprint = spec.onnx().fingerprint();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "session cache: cannot fingerprint " + spec.onnx() + "; not cached", e);
      return null;
    }
    String in = String.join("\n", "v1", fingerprint, ExecutionProviders.runtimeVersion(), provider, level.name(),
        System.getProperty("os.name"), System.getProperty("os.arch"), Machine.CPU);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(in.getBytes(StandardCharsets.UTF_8))).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a stray temporary file in a cache directory is harmless
    }
  }

  /** The CPU's model name and flags (Linux), read once: an optimized graph may be specific to them. */
  private static final class Machine {
    static final String CPU = read();

    private static String read() {
      try {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name") || l.startsWith("flags")).distinct()
            .reduce("", (a, b) -> a + b + "\n").toLowerCase(Locale.ROOT);
      } catch (IOException | RuntimeException e) {
        return System.getenv().getOrDefault("PROCESSOR_IDENTIFIER", "unknown");
      }
    }
  }
}
