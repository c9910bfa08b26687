package dev.laneway.gateway.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The gateway's own SLI counts and burn rates, on an injected clock: what is counted, windows, re-decisions. */
class SloGuardTest {
  static final long S = 1_000_000_000L;
  final AtomicLong clock = new AtomicLong(1_000 * S);
  final SloGuard guard = SloGuard.create(SloLoader.embeddedDefault(), OpenTelemetry.noop().getMeter("t"), clock::get);
  final SloSpec.Sli availability = guard.spec().objective("interactive").slis().get(0);
  final SloSpec.Sli latency = guard.spec().objective("interactive").slis().get(1);

  @Test
  void aTenantsOwnLimit_isNotCounted_butASaturationRefusalIs() {
    guard.answered("interactive", "a", "request_rate", 1_000);
    guard.answered("interactive", "a", "bad_request", 1_000);
    assertEquals(new BurnRates.Window(0, 0, 0), guard.window(availability, Duration.ofMinutes(5)));
    guard.answered("interactive", "a", "queue_full", 1_000);
    guard.answered("interactive", "a", "ok", 1_000);
    BurnRates.Window w = guard.window(availability, Duration.ofMinutes(5));
    assertEquals(2, w.total());
    assertEquals(1, w.bad());
    assertEquals(0.5 / 0.001, w.burnRate(), 1e-6, "half bad against a 0.1% budget");
    assertEquals(1, guard.window(latency, Duration.ofMinutes(5)).total(), "latency counts ok answers only");
  }

  @Test
  void latency_countsAnswersOverTheThresholdAsBad_inTheirClassOnly() {
    guard.answered("interactive", "a", "ok", 49_000_000);
    guard.answered("interactive", "a", "ok", 50_000_000);
    guard.answered("interactive", "a", "ok", 51_000_000);
    guard.answered("batch", "a", "ok", 9 * S);
    BurnRates.Window w = guard.window(latency, Duration.ofMinutes(5));
    assertEquals(3, w.total());
    assertEquals(1, w.bad(), "50 ms is within a 50 ms threshold");
  }

  @Test
  void events_leaveTheWindow_asTheClockMoves() {
    guard.answered("interactive", "a", "unavailable", 0);
    clock.addAndGet(4 * 60 * S);
    guard.answered("interactive", "a", "ok", 0);
    assertEquals(2, guard.window(availability, Duration.ofMinutes(5)).total());
    clock.addAndGet(61 * S);
    assertEquals(new BurnRates.Window(1, 0, 0), guard.window(availability, Duration.ofMinutes(5)));
    assertEquals(2, guard.window(availability, Duration.ofHours(1)).total());
    clock.addAndGet(3600 * S);
    assertEquals(0, guard.window(availability, Duration.ofHours(1)).total(), "an hour later, nothing");
  }

  @Test
  void shedding_isDecidedAtMostOnceASecond_fromTheProtectedObjective() {
    assertEquals(0, guard.shedding().level());
    for (int i = 0; i < 30; i++) guard.answered("interactive", "a", "ok", S); // every one over 50 ms: 100x
    assertEquals(0, guard.shedding().level(), "the decision of this second stands");
    clock.addAndGet(S);
    assertEquals(2, guard.shedding().level(), "100x is above both factors");
    for (int i = 0; i < 30; i++) guard.answered("batch", "a", "unavailable", 0);
    assertEquals(2, guard.shedding().level());
  }

  @Test
  void withoutShedding_nothingIsShed() {
    SloGuard off = SloGuard.create(SloLoader.embeddedDefault().withoutShedding(), OpenTelemetry.noop().getMeter("t"),
        clock::get);
    for (int i = 0; i < 30; i++) off.answered("interactive", "a", "ok", S);
    clock.addAndGet(S);
    assertEquals(Shedder.State.NONE, off.shedding());
    assertEquals(null, off.protectedObjective());
  }
}
