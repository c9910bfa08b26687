package dev.laneway.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A thread the operating system schedules behind every other thread of the machine: an instance runs its least
 * urgent class's batches here ({@link BatchPolicy#batchNice}), so on a CPU shared with the doors, the tokenizer and
 * the more urgent classes' instances, a batch flood's compute yields the core to them instead of taking its equal
 * share. Execution is not preemptible inside the gateway; the kernel's scheduler preempts for us.
 *
 * <p>How: the thread reads its own Linux thread id ({@code /proc/thread-self}) and raises its own nice value with
 * {@code renice -n N -p TID} (Linux keeps a nice value per thread; raising one needs no privilege). Where that is not
 * possible (not Linux, no {@code renice}), it says so in one log line and runs at the normal priority. ONNX Runtime
 * runs a single-threaded session ({@code intra_op_threads: 1}) on the caller's thread, so the batch's compute is on
 * this thread; with more intra-op threads, ONNX Runtime's own pool keeps the normal priority.
 *
 * <p>Threads: {@link #run} is called by a thread that waits for the call; the {@link Instance} {@link #submit}s its
 * batch-class batches and goes back to the queue for more urgent work meanwhile (sessions are thread-safe and shared
 * by a device's instances). The runner's thread starts, and lowers its priority, when the runner is made (with the
 * lane, before ready), so no batch waits for {@code renice}.
 */
final class NicedRunner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NicedRunner.class.getName());

  private final ExecutorService thread;
  private final int nice;
  private volatile String applied;

  NicedRunner(String name, int nice) {
    this.nice = nice;
    this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
      applied = renice(name, nice);
      r.run();
    }));
    run(() -> null); // the thread starts and lowers its priority now: renice is a process, not a batch's wait
  }

  /** What the thread's priority is: "nice N", or why it is not lowered. */
  String applied() {
    return applied;
  }

  /** Runs {@code call} on the low-priority thread and waits for it, through an interrupt (the session is in use). */
  <T> T run(Supplier<T> call) {
    Future<T> f = thread.submit(call::get);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true; // the call holds the session: wait it out, then let the caller see the interrupt
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException r) throw r;
          if (c instanceof Error err) throw err;
          throw new IllegalStateException(c);
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs {@code task} on the low-priority thread without waiting (a detached batch, {@link BatchPolicy#batchNice}); the
   * task answers its own items and must not throw.
   */
  void submit(Runnable task) {
    thread.execute(task);
  }

  /** Ends the thread once the call or task it runs is done (the sessions it uses close after this returns). */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Raises the calling thread's nice value to {@code nice}; what was applied, or why not. */
  private static String renice(String name, int nice) {
    String why;
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
      String tid = self.getFileName().toString();
      Process p = new ProcessBuilder("renice", "-n", String.valueOf(nice), "-p", tid).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) return "nice " + nice;
      why = "renice: " + out;
    } catch (IOException | UnsupportedOperationException e) {
      why = "no per-thread priority here (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why = "interrupted";
    }
    LOG.warning(name + ": batch-class work runs at the normal priority: " + why);
    return why;
  }
}
