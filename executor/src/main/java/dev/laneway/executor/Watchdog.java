package dev.laneway.executor;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One daemon thread for the whole process that runs each executor's deadline check of executing batches every
 * {@value #TICK_MILLIS} ms ({@link ExecutingDeadlines}): a request whose batch outlives its
 * deadline is answered within a tick of the deadline, even when the device never returns. A tick on an idle lane reads
 * one volatile field per instance.
 */
final class Watchdog {
  static final long TICK_MILLIS = 20;
  private static final Logger LOG = Logger.getLogger(Watchdog.class.getName());
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r ->
      Thread.ofPlatform().name("laneway-executor-watchdog").daemon(true).unstarted(r));

  private Watchdog() {}

  /** A registered check; {@link #close} stops it. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  static Registration register(Runnable check) {
    ScheduledFuture<?> f = TIMER.scheduleWithFixedDelay(() -> {
      try {
        check.run();
      } catch (RuntimeException e) { // a failed tick must not cancel the next ones
        LOG.log(Level.WARNING, "executor watchdog: " + e, e);
      }
    }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }
}
