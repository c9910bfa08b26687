package dev.laneway.loadtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway as a child JVM on the JDK that runs the bench, every listener on 127.0.0.1 port 0, started as {@link
 * ChildJvm} says (under the launcher as {@code ./laneway} starts one, with its ahead-of-time cache). Its log (stdout and stderr) goes to a file under {@code target/bench/}; the bound ports
 * are read from its start-up lines ({@code ... HTTP on 127.0.0.1:PORT}, {@code gRPC on ...:PORT}); it is ready when
 * {@code GET /v2/health/ready} answers 200. {@link #close} (and a shutdown hook, so a killed bench leaves nothing
 * behind) sends SIGTERM, then kills it after a few seconds.
 *
 * <p>Threads: created and closed by the scenario's thread.
 */
public final class GatewayProcess implements AutoCloseable {
  // "ready in 812 ms: HTTP on 127.0.0.1:41234, gRPC on 127.0.0.1:40121" or "gRPC listening at 127.0.0.1:40121": the
  // first address:port after the word HTTP (or REST; not "HTTP/2") or gRPC on a line wins
  private static final String ADDRESS = "(?:\\d{1,3}(?:\\.\\d{1,3}){3}|localhost|\\[[0-9a-fA-F:]+\\]):(\\d{1,5})\\b";
  private static final Pattern HTTP_PORT = Pattern.compile("\\b(?:HTTP|REST)\\b(?!/)[^\\n]*?" + ADDRESS);
  private static final Pattern GRPC_PORT = Pattern.compile("\\b(?:gRPC|GRPC)\\b[^\\n]*?" + ADDRESS);
  // "..., metrics on 127.0.0.1:40122/metrics"
  private static final Pattern METRICS_PORT = Pattern.compile("\\bmetrics on " + ADDRESS);
  // "..., admin on 127.0.0.1:40123": the admin listener (--admin-port)
  private static final Pattern ADMIN_PORT = Pattern.compile("\\badmin on " + ADDRESS);
  private static final String MAIN = "dev.laneway.gateway.Main";

  private final Process process;
  private final Path log;
  private String aotCache;
  private final int httpPort;
  private final int grpcPort;
  private final int metricsPort;
  private final String adminToken;
  private final Thread hook;
  private int adminPort = -1;

  private GatewayProcess(Process process, Path log, int httpPort, int grpcPort, int metricsPort, String adminToken,
      Thread hook) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.adminToken = adminToken;
    this.hook = hook;
  }

  /**
   * Starts a gateway and waits until it is ready.
   *
   * @param extraArgs more gateway options ({@code --gateway-arg}), after the bench's own
   * @param logFile where its output goes
   * @throws IllegalStateException when it exits or is not ready within {@code startTimeoutSeconds}, with the log's tail
   */
  public static GatewayProcess start(List<String> extraArgs, Path logFile, int startTimeoutSeconds) {
    return start(extraArgs, logFile, startTimeoutSeconds, null);
  }

  /** As {@link #start(List, Path, int)}, its readiness asked over TLS with {@code tls} (null: plaintext). */
  public static GatewayProcess start(List<String> extraArgs, Path logFile, int startTimeoutSeconds,
      javax.net.ssl.SSLSocketFactory tls) {
    return start(extraArgs, logFile, startTimeoutSeconds, tls, ChildJvm.Aot.USE);
  }

  /** As {@link #start(List, Path, int, javax.net.ssl.SSLSocketFactory)}, doing {@code aot} with the AOT cache. */
  public static GatewayProcess start(List<String> extraArgs, Path logFile, int startTimeoutSeconds,
      javax.net.ssl.SSLSocketFactory tls, ChildJvm.Aot aot) {
    Path home = ChildJvm.home();
    Path aotFile = ChildJvm.aotFile();
    List<String> aotOptions = ChildJvm.aotOptions(aot, aotFile);
    // a JVM refuses a classpath with a non-empty directory in an AOT cache: with one, the gateway runs from its jar
    String cp = aotOptions.isEmpty() ? ChildJvm.classpath(home) : ChildJvm.classpath(home, true);
    if (cp == null) {
      throw new IllegalStateException("no gateway/target/laneway.classpath at or above " + Path.of("").toAbsolutePath()
          + ": build the gateway first (./mvnw -B -ntp -pl gateway -am package -DskipTests)");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC",
        "-cp", cp, MAIN, "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0",
        "--admin-port", "0",
        "--drain-timeout", "3s"));
    // the bench measures compute: the per-text cache would answer the corpus's repeated sentences without it, so it is
    // off unless the caller asks for it (--gateway-arg --cache-max-bytes --gateway-arg N)
    if (extraArgs.stream().noneMatch(a -> a.startsWith("--cache-max-bytes"))) {
      cmd.add("--cache-max-bytes");
      cmd.add("0");
    }
    String token = null;
    if (extraArgs.stream().noneMatch(a -> a.startsWith("--admin-token"))) {
      token = "bench-" + Long.toHexString(System.nanoTime());
      cmd.add("--admin-token");
      cmd.add(token);
    }
    for (int i = 0; i + 1 < extraArgs.size(); i++) {
      if (extraArgs.get(i).equals("--admin-token")) token = extraArgs.get(i + 1);
    }
    List<String> jvm = new ArrayList<>(ChildJvm.jvmOptions());
    // the launcher's own options, which an AOT cache it trained must see again
    if (System.getenv("LANEWAY_GATEWAY_CP") != null) jvm.add(0, "--sun-misc-unsafe-memory-access=allow");
    jvm.addAll(aotOptions);
    cmd.addAll(3, jvm);
    cmd.addAll(extraArgs);
    try {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      Thread hook = Thread.ofPlatform().name("bench-gateway-kill").unstarted(() -> kill(p));
      Runtime.getRuntime().addShutdownHook(hook);
      GatewayProcess g = null;
      try {
        g = awaitReady(p, logFile, token, hook, startTimeoutSeconds, tls);
        g.aotCache = aotOptions.isEmpty() ? null : (aot == ChildJvm.Aot.TRAIN ? "training " : "") + aotFile;
        return g;
      } finally {
        if (g == null) {
          kill(p);
          removeHook(hook);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the gateway: " + e.getMessage(), e);
    }
  }

  private static GatewayProcess awaitReady(Process p, Path logFile, String token, Thread hook, int timeoutSeconds,
      javax.net.ssl.SSLSocketFactory tls) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    int http = -1;
    int grpc = -1;
    while (System.nanoTime() < end) {
      String text = read(logFile);
      if (http < 0) http = port(HTTP_PORT, text);
      if (grpc < 0) grpc = port(GRPC_PORT, text);
      if (!p.isAlive()) {
        throw new IllegalStateException("gateway exited with " + p.exitValue() + " before it was ready; log "
            + logFile + ":\n" + tail(text, 30));
      }
      if (http > 0 && ready(http, tls)) {
        sleep(200); // the gRPC line may follow the HTTP one
        text = read(logFile);
        if (grpc < 0) grpc = port(GRPC_PORT, text);
        GatewayProcess g = new GatewayProcess(p, logFile, http, grpc, port(METRICS_PORT, text), token, hook);
        g.adminPort = port(ADMIN_PORT, text);
        return g;
      }
      sleep(200);
    }
    throw new IllegalStateException("gateway not ready after " + timeoutSeconds + " s (HTTP port "
        + (http < 0 ? "not logged" : http) + "); log " + logFile + ":\n" + tail(read(logFile), 30));
  }

  static int port(Pattern pattern, String log) {
    Matcher m = pattern.matcher(log);
    while (m.find()) {
      int p = Integer.parseInt(m.group(1));
      if (p > 0 && p < 65536) return p;
    }
    return -1;
  }

  /** The HTTP port in a gateway log, or -1; for tests. */
  static int httpPort(String log) {
    return port(HTTP_PORT, log);
  }

  /** The gRPC port in a gateway log, or -1; for tests. */
  static int grpcPort(String log) {
    return port(GRPC_PORT, log);
  }

  private static boolean ready(int port, javax.net.ssl.SSLSocketFactory tls) {
    try (var plain = new java.net.Socket()) {
      plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
      plain.setSoTimeout(2000);
      java.net.Socket s = tls == null ? plain : tls.createSocket(plain, "127.0.0.1", port, true);
      s.getOutputStream().write("GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      byte[] head = s.getInputStream().readNBytes(12);
      return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the gateway", e);
    }
  }

  private static void kill(Process p) {
    kill(p, 8);
  }

  private static void kill(Process p, int seconds) {
    if (!p.isAlive()) return;
    p.destroy(); // SIGTERM: the gateway drains (--drain-timeout 3s) and exits
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs
    }
  }

  public int httpPort() {
    return httpPort;
  }

  /** The gRPC port, or -1 when the gateway logged none (no gRPC listener). */
  public int grpcPort() {
    return grpcPort;
  }

  /** The Prometheus listener's port ({@code GET /metrics}), or -1 when the gateway logged none. */
  public int metricsPort() {
    return metricsPort;
  }

  /** The metrics port in a gateway log, or -1; for tests. */
  static int metricsPort(String log) {
    return port(METRICS_PORT, log);
  }

  /** The admin listener's port ({@code /v2/admin}); the HTTP port for a gateway that logged none (one port for all). */
  public int adminPort() {
    return adminPort > 0 ? adminPort : httpPort;
  }

  /** The admin port in a gateway log, or -1; for tests. */
  static int adminPort(String log) {
    return port(ADMIN_PORT, log);
  }

  /** The admin token the gateway was started with, or null when it has no {@code --admin-token} option. */
  public String adminToken() {
    return adminToken;
  }

  public Path log() {
    return log;
  }

  /** The gateway's process id. */
  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The AOT cache this gateway started from ("training FILE" when it trains one), or null. */
  public String aotCache() {
    return aotCache;
  }

  public String describe() {
    return String.format(Locale.ROOT, "pid %d, HTTP 127.0.0.1:%d, gRPC %s, log %s, AOT cache %s", process.pid(),
        httpPort, grpcPort < 0 ? "none" : "127.0.0.1:" + grpcPort, log, aotCache == null ? "none" : aotCache);
  }

  @Override
  public void close() {
    kill(process);
    removeHook(hook);
  }

  /**
   * Stops the gateway as {@link #close} does, waiting up to {@code seconds} for it to exit (a JVM that trains an AOT
   * cache writes it on exit, which takes seconds); its exit status (137 when it had to be killed).
   */
  public int stop(int seconds) {
    kill(process, seconds);
    removeHook(hook);
    return process.exitValue();
  }
}
