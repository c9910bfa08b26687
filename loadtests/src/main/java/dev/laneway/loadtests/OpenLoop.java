package dev.laneway.loadtests;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator: requests leave on a {@link Schedule}, not after the previous answer, and each latency
 * is measured from the request's INTENDED send time, so a stalled target is charged for every request it delayed
 * (coordinated omission corrected, as in Gil Tene's wrk2). A run is bounded in time and in count, then waits up to a
 * grace period for outstanding answers; whatever is still unanswered is recorded as {@code lost}.
 *
 * <p>Threads: {@link #run} is called by one thread, which becomes the scheduler: it sleeps until each intended time,
 * calls {@code send} (which must not block) and prints a progress line once a second. Answers are recorded on
 * whatever thread completes the future. Time, and waiting on it, are injected ({@code clock}) for tests.
 */
public final class OpenLoop {
  /**
   * @param rate requests per second
   * @param duration how long to keep sending
   * @param maxRequests stop sending after this many, whichever comes first
   * @param grace how long to wait for outstanding answers after the last send
   */
  public record Plan(double rate, Duration duration, long maxRequests, boolean poisson, long seed, Duration grace) {
    public Plan {
      if (!(rate > 0)) throw new IllegalArgumentException("rate: " + rate + " (expected: > 0)");
      if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
      if (maxRequests < 1) throw new IllegalArgumentException("maxRequests: " + maxRequests + " (expected: >= 1)");
    }

    public static Plan of(double rate, Duration duration) {
      return new Plan(rate, duration, Long.MAX_VALUE, true, 42, Duration.ofSeconds(15));
    }
  }

  /** A clock in nanoseconds, and how to wait on it; {@link System#nanoTime} and a park outside tests. */
  public interface Clock {
    long nanos();

    /** Waits about {@code nanos} (a test's clock moves itself instead). */
    default void parkNanos(long nanos) {
      LockSupport.parkNanos(nanos);
    }
  }

  private OpenLoop() {}

  /** Runs {@code plan}, sending request number {@code i} with {@code send.apply(i)}; returns when done. */
  public static Recording run(String label, Plan plan, LongFunction<CompletableFuture<Reply>> send, int textsPerRequest,
      PrintStream progress) {
    return run(label, plan, send, textsPerRequest, progress, System::nanoTime);
  }

  static Recording run(String label, Plan plan, LongFunction<CompletableFuture<Reply>> send, int textsPerRequest,
      PrintStream progress, Clock clock) {
    Recording rec = new Recording(label);
    Schedule schedule = plan.poisson() ? Schedule.poisson(plan.rate(), plan.seed()) : Schedule.constant(plan.rate());
    AtomicLong outstanding = new AtomicLong();
    long start = clock.nanos();
    rec.started(start);
    long end = start + plan.duration().toNanos();
    long nextProgress = start + 1_000_000_000L;
    long intended = start;
    long i = 0;
    while (intended < end && i < plan.maxRequests()) {
      long now = clock.nanos();
      while (now < intended) {
        if (now >= nextProgress) {
          progress(progress, label, rec, outstanding.get(), (now - start) / 1e9);
          nextProgress += 1_000_000_000L;
        }
        clock.parkNanos(Math.min(intended, nextProgress) - now);
        now = clock.nanos();
      }
      final long sendAt = intended;
      outstanding.incrementAndGet();
      rec.sent(textsPerRequest);
      CompletableFuture<Reply> f;
      try {
        f = send.apply(i);
      } catch (RuntimeException e) {
        f = CompletableFuture.completedFuture(Reply.failed("client: " + e.getClass().getSimpleName()));
      }
      f.whenComplete((reply, failure) -> {
        Reply r = failure != null ? Reply.failed("client: " + failure.getClass().getSimpleName()) : reply;
        rec.record(sendAt, clock.nanos(), r);
        outstanding.decrementAndGet();
      });
      i++;
      intended += schedule.nextGapNanos();
    }
    rec.ended(Math.min(clock.nanos(), end));
    long graceEnd = clock.nanos() + plan.grace().toNanos();
    while (outstanding.get() > 0 && clock.nanos() < graceEnd) {
      clock.parkNanos(10_000_000L);
      long now = clock.nanos();
      if (now >= nextProgress) {
        progress(progress, label, rec, outstanding.get(), (now - start) / 1e9);
        nextProgress += 1_000_000_000L;
      }
    }
    rec.close();
    progress(progress, label + " done", rec, outstanding.get(), (clock.nanos() - start) / 1e9);
    return rec;
  }

  private static void progress(PrintStream out, String label, Recording rec, long outstanding, double t) {
    if (out == null) return;
    Histogram w = rec.takeWindow();
    out.println(String.format(Locale.ROOT, "[%s] t=%.0fs sent=%d ok=%d failed=%d outstanding=%d last-1s p50=%.1fms p99=%.1fms",
        label, t, rec.sent(), rec.succeeded(), rec.failed(), outstanding, Recording.ms(w, 50), Recording.ms(w, 99)));
  }
}
