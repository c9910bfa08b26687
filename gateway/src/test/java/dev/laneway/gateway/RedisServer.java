package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for the tests that share tenants' limits through Redis: started on a free port of
 * 127.0.0.1 with nothing persisted, waited for by its "Ready to accept connections" line, killed (and started again on
 * the same port) to test fail modes. Fails the test with a clear message when {@code redis-server} is not installed
 * ({@code .ci/run} installs Debian's package).
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private Process process;

  private RedisServer(int port) {
    this.port = port;
  }

  /** Starts one on a free port. */
  public static RedisServer start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisServer r = new RedisServer(port);
    r.restart();
    return r;
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) on its port and waits until it accepts connections. */
  public void restart() throws Exception {
    process = new ProcessBuilder(executable(), "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no").redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Process p = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.contains("Ready to accept connections")) ready.complete(null);
        }
        ready.completeExceptionally(new IllegalStateException("redis-server exited: " + p.waitFor()));
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
    }, "redis-server-output");
    reader.setDaemon(true);
    reader.start();
    ready.get(20, TimeUnit.SECONDS);
  }

  /** Kills the server (as a crash would) and waits for it to exit. */
  public void kill() throws Exception {
    process.destroyForcibly();
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "redis-server did not exit");
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) kill();
  }

  private static String executable() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) return f.getPath();
    }
    if (new File("/usr/bin/redis-server").canExecute()) return "/usr/bin/redis-server";
    fail("redis-server is not installed (Debian: apt-get install redis-server); the Redis-shared limits tests need it");
    return null;
  }
}
