package dev.laneway.loadtests.executor;

import static dev.laneway.loadtests.executor.ExecutorBench.KEY;

import dev.laneway.executor.EmbedRequest;
import dev.laneway.executor.EmbedResult;
import dev.laneway.executor.ExecutorException;
import dev.laneway.executor.LaneExecutor;
import dev.laneway.executor.Priority;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load on an executor: one text per request at {@code rate} per second (evenly spaced, or Poisson),
 * whatever the answers do. Records (sentence index, latency, queue time) per answered request.
 *
 * <p>Threads: {@link #run} on its own generator thread; answers are recorded on the executor's threads;
 * {@link #stopAndCancel} from the benchmark's thread.
 */
final class ExecutorLoad {
  final LaneExecutor ex;
  final List<String> texts;
  final Priority priority;
  final double rate;
  boolean poisson;
  volatile boolean stop;
  final AtomicLong completed = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<CompletableFuture<EmbedResult>> futures = new ConcurrentLinkedQueue<>();
  /** Requests submitted at once before the steady rate: fills the queue, as a long overload would. */
  int burst;

  ExecutorLoad(LaneExecutor ex, List<String> texts, Priority priority, double rate) {
    this.ex = ex;
    this.texts = texts;
    this.priority = priority;
    this.rate = rate;
  }

  void run() {
    Random r = new Random(3);
    long start = System.nanoTime();
    double due = 0; // seconds after start at which the next request is due
    int i = 0;
    for (; i < burst; i++) submit(i);
    while (!stop) {
      long now = System.nanoTime();
      while (!stop && (now - start) / 1e9 >= due) {
        submit(i++);
        due += poisson ? -Math.log(1 - r.nextDouble()) / rate : 1 / rate;
      }
      long waitNanos = (long) ((due - (System.nanoTime() - start) / 1e9) * 1e9);
      if (waitNanos > 0) LockSupport.parkNanos(Math.min(waitNanos, 5_000_000)); // 5 ms ticks at most
    }
  }

  private void submit(int index) {
    String text = texts.get(index % texts.size());
    long submitted = System.nanoTime();
    CompletableFuture<EmbedResult> f = ex.submit(new EmbedRequest(KEY, List.of(text),
        submitted + TimeUnit.SECONDS.toNanos(60), priority));
    futures.add(f);
    f.whenComplete((res, err) -> {
      if (err == null) {
        completed.incrementAndGet();
        samples.add(new long[] {index, System.nanoTime() - submitted, res.queueNanos()});
      } else if (err instanceof ExecutorException.QueueFull) {
        rejected.incrementAndGet();
      }
    });
  }

  /** Stops the arrivals and cancels what is still queued (the executor frees cancelled items at once). */
  void stopAndCancel(Thread generator) throws InterruptedException {
    stop = true;
    generator.join();
    for (CompletableFuture<EmbedResult> f : futures) f.cancel(false);
  }
}
