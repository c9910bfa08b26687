package dev.laneway.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A batch's answers, handed back once per completion executor: the requests of a batch are grouped by the
 * {@link Executor} each asked to be completed on, and each group's futures are completed, in batch order, by one
 * task submitted to its executor. An instance thread thus wakes a gateway event loop once per batch rather than once
 * per request, and the futures' continuations (the lane's, the gateway's) run there, not on the instance thread,
 * which only computes. {@code Runnable::run} completes in place, as a caller without an event loop wants.
 *
 * <p>Not thread-safe: one instance thread fills it and {@link #deliver delivers} it. A completion executor that
 * refuses the task (an event loop shut down) has it run in place: an answer is never lost.
 */
final class Completions {
  private final List<Executor> executors = new ArrayList<>(2);
  private final List<List<Runnable>> groups = new ArrayList<>(2);

  /** Adds one request's answer to its executor's group. */
  void add(Pending p, EmbedResult r) {
    Runnable complete = () -> p.future.complete(r);
    for (int i = 0; i < executors.size(); i++) {
      if (executors.get(i) == p.completion) { // identity: one group per executor object
        groups.get(i).add(complete);
        return;
      }
    }
    executors.add(p.completion);
    List<Runnable> group = new ArrayList<>();
    group.add(complete);
    groups.add(group);
  }

  /** Submits one task per executor, completing its group's futures in the order they were added. */
  void deliver() {
    for (int i = 0; i < executors.size(); i++) {
      List<Runnable> group = groups.get(i);
      run(executors.get(i), () -> {
        for (Runnable r : group) r.run();
      });
    }
    executors.clear();
    groups.clear();
  }

  /** Runs {@code task} on {@code executor}, or in place when it refuses. */
  static void run(Executor executor, Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }
}
