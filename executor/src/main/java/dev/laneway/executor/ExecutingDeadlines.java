package dev.laneway.executor;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Watchdog}'s check of one lane's executing batches: a request whose deadline passes while its batch is
 * still executing is answered at once with {@link ExecutorException.DeadlineExceeded} ({@code executing}, with how long
 * the batch has run and what the lane expected), not whenever the batch returns, which may be never on a device that
 * hangs. The batch's other items are unaffected; its late vectors go nowhere (the instance's later answer is a no-op).
 *
 * <p>Runs on the watchdog's thread every tick; reads two volatile fields per instance on an idle lane (its batch, and
 * the batch-class batch its low-priority thread computes).
 */
final class ExecutingDeadlines implements Runnable {
  private final ExecutorContext lane;
  private final List<Instance> instances;

  ExecutingDeadlines(ExecutorContext lane, List<Instance> instances) {
    this.lane = lane;
    this.instances = List.copyOf(instances);
  }

  @Override
  public void run() {
    long now = lane.now();
    for (Instance inst : instances) {
      check(inst, inst.running(), now);
      check(inst, inst.detached(), now);
    }
  }

  private void check(Instance inst, Instance.Running r, long now) {
    if (r != null) {
      for (Item item : r.items()) {
        Pending p = item.pending();
        if (now < p.request.deadlineNanos() || p.settled()) continue;
        long ran = now - r.startNanos();
        String device = inst.placement.device();
        lane.stats().expired.incrementAndGet();
        lane.telemetry().dropped(p.request.modelKey(), device, "deadline", 1);
        p.fail(new ExecutorException.DeadlineExceeded("deadline passed after " + TimeUnit.NANOSECONDS.toMillis(ran)
            + " ms executing on " + device + " of " + lane.name() + " (expected "
            + TimeUnit.NANOSECONDS.toMillis(r.expectedNanos()) + " ms for the batch)", true, ran, r.expectedNanos()));
      }
    }
  }
}
