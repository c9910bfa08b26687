package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class OpenLoopTest {
  private static final Reply OK = new Reply(null, "lane", "dev", "hk", false, false, null, Double.NaN, 1);

  @Test
  void schedule_constantSendsRateTimesDuration() {
    OpenLoop.Plan plan = new OpenLoop.Plan(200, Duration.ofSeconds(1), Long.MAX_VALUE, false, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("t", plan, i -> CompletableFuture.completedFuture(OK), 1, null);
    assertEquals(200, r.sent(), "a constant 200/s schedule over 1 s has exactly 200 arrivals");
    assertEquals(200, r.succeeded());
  }

  @Test
  void schedule_poissonGapsHaveTheRightMeanAndSpread() {
    Schedule s = Schedule.poisson(1000, 7);
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double g = s.nextGapNanos();
      sum += g;
      sumSq += g * g;
    }
    double mean = sum / n;
    double sd = Math.sqrt(sumSq / n - mean * mean);
    assertEquals(1_000_000, mean, 20_000, "mean gap of 1000/s is 1 ms");
    assertEquals(1.0, sd / mean, 0.05, "exponential gaps: coefficient of variation 1");
    assertEquals(5_000_000, Schedule.constant(200).nextGapNanos());
  }

  @Test
  void run_isBoundedInCount() {
    OpenLoop.Plan plan = new OpenLoop.Plan(1000, Duration.ofSeconds(30), 50, true, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("t", plan, i -> CompletableFuture.completedFuture(OK), 1, null);
    assertEquals(50, r.sent());
  }

  @Test
  void latency_isMeasuredFromTheIntendedSendTime() {
    // The sender itself stalls for 500 ms at request 20 (a blocking client, a GC pause): the 49 requests that were due
    // meanwhile leave late. Measured from their intended time they carry the stall; measured from the actual send
    // (coordinated omission) they would all look instant.
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofSeconds(1), Long.MAX_VALUE, false, 1, Duration.ofSeconds(2));
    Recording r = OpenLoop.run("co", plan, i -> {
      if (i == 20) sleep(500);
      return CompletableFuture.completedFuture(OK);
    }, 1, null);
    Histogram h = r.latency();
    assertEquals(100, h.getTotalCount());
    long delayed = h.getCountBetweenValues(100_000, Long.MAX_VALUE / 4);
    assertTrue(delayed >= 40, "requests charged with the stall: " + delayed + " (expected: >= 40)");
    assertTrue(h.getMaxValue() >= 450_000, "max latency " + h.getMaxValue() + " µs (expected: >= 450 ms)");
  }

  @Test
  void unansweredRequests_areCountedLost() {
    AtomicLong n = new AtomicLong();
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofMillis(200), Long.MAX_VALUE, false, 1, Duration.ofMillis(200));
    Recording r = OpenLoop.run("lost", plan, i -> {
      n.incrementAndGet();
      return i % 2 == 0 ? CompletableFuture.completedFuture(OK) : new CompletableFuture<>();
    }, 1, null);
    assertEquals(n.get(), r.sent());
    assertEquals(r.sent() / 2, r.errors().get("lost"));
    assertEquals(r.sent() - r.sent() / 2, r.answered());
  }

  @Test
  void failures_areCountedByReason() {
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofMillis(300), Long.MAX_VALUE, false, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("err", plan, i -> CompletableFuture.completedFuture(
        i % 3 == 0 ? Reply.failed("http-504") : OK), 1, null);
    assertEquals(10, r.errors().get("http-504"));
    assertEquals(10, r.failed());
    assertEquals(20, r.succeeded());
    assertEquals(20, r.lanes().get("lane"));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
