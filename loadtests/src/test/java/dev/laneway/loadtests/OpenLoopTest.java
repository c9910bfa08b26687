package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The open loop on a virtual clock ({@link VirtualClock}): waiting moves the clock instead of sleeping, and answers
 * arrive at the virtual instants a test schedules, so every send time and latency is exact and no test waits.
 */
class OpenLoopTest {
  private static final Reply OK = new Reply(null, "lane", "dev", "hk", false, false, null, Double.NaN, 1);
  private static final long MS = 1_000_000L;

  /**
   * Virtual time: {@link #parkNanos} jumps it forward, running on the way, in time order, what a test scheduled with
   * {@link #at} (an answer arriving); {@link #advance} is the sender itself taking time. Used by the scheduler thread
   * only (the answers it completes are recorded on it).
   */
  static final class VirtualClock implements OpenLoop.Clock {
    private record Event(long at, long seq, Runnable action) {}

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at
        ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long seq;
    private long now = 1_000 * MS; // any origin: the loop measures from its own start

    @Override
    public long nanos() {
      return now;
    }

    @Override
    public void parkNanos(long nanos) {
      long until = now + Math.max(1, nanos);
      while (!events.isEmpty() && events.peek().at() <= until) {
        Event e = events.poll();
        now = Math.max(now, e.at());
        e.action().run();
      }
      now = until;
    }

    void advance(Duration d) {
      now += d.toNanos();
    }

    /** Runs {@code action} once the clock reaches {@code nanos}. */
    void at(long nanos, Runnable action) {
      events.add(new Event(nanos, seq++, action));
    }

    /** A reply that arrives {@code after} from now. */
    CompletableFuture<Reply> answerIn(Duration after, Reply reply) {
      CompletableFuture<Reply> f = new CompletableFuture<>();
      at(now + after.toNanos(), () -> f.complete(reply));
      return f;
    }
  }

  @Test
  void schedule_constantSendsRateTimesDuration_atItsIntendedTimes() {
    VirtualClock clock = new VirtualClock();
    long start = clock.nanos();
    List<Long> sentAt = new ArrayList<>();
    OpenLoop.Plan plan = new OpenLoop.Plan(200, Duration.ofSeconds(1), Long.MAX_VALUE, false, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("t", plan, i -> {
      sentAt.add(clock.nanos() - start);
      return CompletableFuture.completedFuture(OK);
    }, 1, null, clock);
    assertEquals(200, r.sent(), "a constant 200/s schedule over 1 s has exactly 200 arrivals");
    assertEquals(200, r.succeeded());
    for (int i = 0; i < 200; i++) assertEquals(i * 5 * MS, sentAt.get(i), "request " + i + " leaves at i x 5 ms");
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
    VirtualClock clock = new VirtualClock();
    long start = clock.nanos();
    AtomicLong lastSend = new AtomicLong();
    OpenLoop.Plan plan = new OpenLoop.Plan(1000, Duration.ofSeconds(30), 50, false, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("t", plan, i -> {
      lastSend.set(clock.nanos() - start);
      return CompletableFuture.completedFuture(OK);
    }, 1, null, clock);
    assertEquals(50, r.sent());
    assertEquals(49 * MS, lastSend.get(), "stopped at the 50th request, 49 ms in, not at 30 s");
  }

  @Test
  void latency_isMeasuredFromTheIntendedSendTime() {
    // The sender itself stalls for 500 ms at request 20 (a blocking client, a GC pause): requests 21..69, due every
    // 10 ms meanwhile, leave late, at 700 ms. Measured from their intended time they carry the stall (490 .. 10 ms);
    // measured from the actual send (coordinated omission) they would all look instant.
    VirtualClock clock = new VirtualClock();
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofSeconds(1), Long.MAX_VALUE, false, 1, Duration.ofSeconds(2));
    Recording r = OpenLoop.run("co", plan, i -> {
      if (i == 20) clock.advance(Duration.ofMillis(500));
      return CompletableFuture.completedFuture(OK);
    }, 1, null, clock);
    Histogram h = r.latency();
    assertEquals(100, h.getTotalCount());
    assertEquals(50, h.getCountBetweenValues(9_000, Long.MAX_VALUE / 4), "request 20 and the 49 it delayed");
    assertEquals(41, h.getCountBetweenValues(95_000, Long.MAX_VALUE / 4), "500, 490 .. 100 ms");
    assertEquals(50, h.getCountBetweenValues(1, 1), "the 50 on time: answered at once");
    assertEquals(500_000, h.getMaxValue(), 500, "the stall itself, in µs");
  }

  @Test
  void latency_isTheAnswersArrivalMinusTheIntendedSendTime_andAnswersAfterTheGraceAreLost() {
    VirtualClock clock = new VirtualClock();
    // 10 requests 10 ms apart; each answered 30 ms after it left, the last only after 500 ms: past the 200 ms grace
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofMillis(100), Long.MAX_VALUE, false, 1,
        Duration.ofMillis(200));
    Recording r = OpenLoop.run("grace", plan, i -> clock.answerIn(Duration.ofMillis(i == 9 ? 500 : 30), OK), 1, null,
        clock);
    assertEquals(10, r.sent());
    assertEquals(9, r.succeeded());
    assertEquals(1, r.errors().get("lost"), "the answer after the grace period is lost: " + r.errors());
    Histogram h = r.latency();
    assertEquals(9, h.getTotalCount());
    assertEquals(30_000, h.getMinValue(), 50, "30 ms each, in µs");
    assertEquals(30_000, h.getMaxValue(), 50);
  }

  @Test
  void unansweredRequests_areCountedLost() {
    VirtualClock clock = new VirtualClock();
    AtomicLong n = new AtomicLong();
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofMillis(200), Long.MAX_VALUE, false, 1, Duration.ofMillis(200));
    Recording r = OpenLoop.run("lost", plan, i -> {
      n.incrementAndGet();
      return i % 2 == 0 ? CompletableFuture.completedFuture(OK) : new CompletableFuture<>();
    }, 1, null, clock);
    assertEquals(20, r.sent());
    assertEquals(n.get(), r.sent());
    assertEquals(10, r.errors().get("lost"));
    assertEquals(10, r.answered());
  }

  @Test
  void failures_areCountedByReason() {
    VirtualClock clock = new VirtualClock();
    OpenLoop.Plan plan = new OpenLoop.Plan(100, Duration.ofMillis(300), Long.MAX_VALUE, false, 1, Duration.ofSeconds(1));
    Recording r = OpenLoop.run("err", plan, i -> CompletableFuture.completedFuture(
        i % 3 == 0 ? Reply.failed("http-504") : OK), 1, null, clock);
    assertEquals(30, r.sent());
    assertEquals(10, r.errors().get("http-504"));
    assertEquals(10, r.failed());
    assertEquals(20, r.succeeded());
    assertEquals(20, r.lanes().get("lane"));
    assertNull(r.errors().get("lost"));
  }
}
