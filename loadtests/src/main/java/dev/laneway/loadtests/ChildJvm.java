package dev.laneway.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the bench starts a gateway's or a node's JVM as the launcher would. Under {@code ./laneway bench} the launcher
 * hands over the gateway's classpath (its jar first: {@code LANEWAY_GATEWAY_CP}) and the ahead-of-time cache file a
 * gateway start of this build uses ({@code LANEWAY_GATEWAY_AOT}); {@code LANEWAY_JIT} and {@code LANEWAY_JAVA_OPTS}
 * are read as the launcher reads them. Elsewhere (tests) the build's classpath, {@code gateway/target/classes} first.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What a child gateway does with the launcher's ahead-of-time cache ({@code LANEWAY_GATEWAY_AOT}). */
  public enum Aot {
    /** Starts from the cache when it exists (as {@code ./laneway} does), else without one. */
    USE,
    /** Trains the cache: replaces it with what this gateway loads and profiles, written when it exits. */
    TRAIN
  }

  /** The repository root: the first directory at or above the working directory with a built gateway. */
  public static Path home() {
    String given = System.getProperty("laneway.home");
    if (given != null) return Path.of(given).toAbsolutePath();
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("gateway/target/laneway.classpath"))) return p;
    }
    return null;
  }

  /**
   * The classpath that runs the gateway: the launcher's ({@code LANEWAY_GATEWAY_CP}: the gateway's jar first), else
   * the build's with {@code gateway/target/classes} first, or null when the gateway module has not been packaged.
   */
  public static String classpath(Path home) {
    return classpath(home, false);
  }

  /**
   * As {@link #classpath(Path)}; {@code jar}: outside the launcher, the gateway's jar first instead of its classes (an
   * ahead-of-time cache is keyed by jars).
   */
  static String classpath(Path home, boolean jar) {
    String launcher = System.getenv("LANEWAY_GATEWAY_CP");
    if (launcher != null && !launcher.isBlank()) return launcher;
    if (home == null) return null;
    try {
      String deps = Files.readString(home.resolve("gateway/target/laneway.classpath")).trim();
      if (!jar) return home.resolve("gateway/target/classes") + java.io.File.pathSeparator + deps;
      try (var jars = Files.newDirectoryStream(home.resolve("gateway/target"), "laneway-gateway-*.jar")) {
        for (Path j : jars) return j.toAbsolutePath() + java.io.File.pathSeparator + deps;
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * {@code LANEWAY_JIT_PRIORITY=low}: the compiler threads at nice 19, and the JVM's threads above normal priority
   * (GC, VM thread, reference handler) kept at nice 0, where the policy would run them at -3 to -5 for root.
   */
  static final List<String> LOW_JIT_PRIORITY = List.of("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=19",
      "-XX:JavaPriority6_To_OSPriority=0", "-XX:JavaPriority7_To_OSPriority=0", "-XX:JavaPriority8_To_OSPriority=0",
      "-XX:JavaPriority9_To_OSPriority=0", "-XX:JavaPriority10_To_OSPriority=0");

  /**
   * The JVM options the launcher gives a gateway or a node, for a child started here: {@code LANEWAY_JIT} ({@code
   * tiered}, the default, or {@code c1}: C1 only), {@code LANEWAY_JIT_PRIORITY} ({@code normal}, the default, or
   * {@code low}: the compiler threads at nice 19) and then {@code LANEWAY_JAVA_OPTS}.
   */
  static List<String> jvmOptions() {
    return jvmOptions(System.getenv());
  }

  /** {@link #jvmOptions()} for the environment {@code env}; refuses a value the launcher would refuse. */
  static List<String> jvmOptions(java.util.Map<String, String> env) {
    List<String> out = new ArrayList<>();
    String jit = value(env, "LANEWAY_JIT", "tiered");
    switch (jit) {
      case "c1" -> out.add("-XX:TieredStopAtLevel=1");
      case "tiered" -> { }
      default -> throw new IllegalArgumentException("LANEWAY_JIT=" + jit + ": expected c1 or tiered");
    }
    String priority = value(env, "LANEWAY_JIT_PRIORITY", "normal");
    switch (priority) {
      case "low" -> out.addAll(LOW_JIT_PRIORITY);
      case "normal" -> { }
      default -> throw new IllegalArgumentException(
          "LANEWAY_JIT_PRIORITY=" + priority + ": expected low or normal");
    }
    String more = env.get("LANEWAY_JAVA_OPTS");
    if (more != null && !more.isBlank()) out.addAll(List.of(more.trim().split("\\s+")));
    return out;
  }

  private static String value(java.util.Map<String, String> env, String name, String dflt) {
    String v = env.get(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  /**
   * The ahead-of-time cache file a gateway started by the launcher uses ({@code LANEWAY_GATEWAY_AOT}, set by {@code
   * ./laneway bench}, keyed as the launcher keys it; else the system property {@code laneway.gateway.aot}, for
   * tests), or null outside the launcher or with {@code LANEWAY_AOT=off}.
   */
  public static Path aotFile() {
    String f = System.getenv("LANEWAY_GATEWAY_AOT");
    if (f == null) f = System.getProperty("laneway.gateway.aot");
    return f == null || f.isBlank() ? null : Path.of(f);
  }

  /** The JVM options for {@code aot} with the cache file {@code file} (null: none). */
  static List<String> aotOptions(Aot aot, Path file) {
    if (file == null) return List.of();
    if (aot == Aot.TRAIN) return List.of("-XX:AOTCacheOutput=" + file, "-Xlog:aot=error,cds=error");
    return Files.isRegularFile(file) ? List.of("-XX:AOTCache=" + file, "-Xlog:aot=error,cds=error") : List.of();
  }
}
