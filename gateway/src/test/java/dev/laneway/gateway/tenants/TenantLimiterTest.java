package dev.laneway.gateway.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.tenants.Verdict.LimitState;
import dev.laneway.gateway.tenants.Verdict.Reason;
import dev.laneway.routing.Limits;
import dev.laneway.routing.Limits.Budget;
import dev.laneway.routing.Limits.Rate;
import dev.laneway.routing.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The local limiter on an injected clock: exact costs, GCRA numbers, budgets' UTC periods, shadow, refund, reloads. */
class TenantLimiterTest {
  /** A clock the test moves: the wall clock, and the monotonic one as its epoch nanoseconds. */
  static final class TestClock implements InstantSource {
    Instant now;

    TestClock(String iso) {
      now = Instant.parse(iso);
    }

    @Override
    public Instant instant() {
      return now;
    }

    long nanos() {
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  final TestClock clock = new TestClock("2026-12-06T12:00:00Z");
  final LocalLimiter limiter = TenantLimiter.local("hk", clock, clock::nanos);

  static Tenant tenant(Limits limits) {
    return new Tenant("acme", List.of("k"), null, List.of(), List.of(), null, limits);
  }

  static Limits limits(Rate requests, Rate tokens, Budget budget) {
    return new Limits(requests, tokens, budget, null, null);
  }

  static LimitState state(Verdict v, String name) {
    return v.limits().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void tokenRate_chargesTheExactCost_burstThenRefill_withExactRetryAfter() {
    Tenant acme = tenant(limits(null, new Rate(2000.0, 8000.0, false), null));
    Verdict v = limiter.admitNow(acme, "m", 950);
    assertTrue(v.admitted());
    assertEquals(7050, state(v, "tokens").remaining(), "a 950-token request charges 950");
    assertEquals(8000, state(v, "tokens").quota());
    assertEquals(4, state(v, "tokens").windowSeconds(), "the burst refills in 8000 / 2000 s");
    assertEquals(Duration.ofMillis(475), state(v, "tokens").reset(), "950 tokens at 2000/s");
    assertTrue(limiter.admitNow(acme, "m", 7050).admitted(), "the rest of the burst");

    Verdict refused = limiter.admitNow(acme, "m", 950);
    assertFalse(refused.admitted());
    assertEquals(Reason.TOKEN_RATE, refused.reason());
    assertEquals("tokens", refused.refusal().limit());
    assertEquals(Duration.ofMillis(475), refused.refusal().retryAfter(), "when 950 tokens have dripped back");
    assertEquals(1, refused.refusal().retryAfterSeconds());
    assertEquals("tenant 'acme': token rate 2000/s (burst 8000) exceeded by a request of 950 tokens; retry in 0.48 s",
        refused.refusal().message());

    clock.advance(Duration.ofMillis(474));
    assertFalse(limiter.admitNow(acme, "m", 950).admitted(), "a millisecond early");
    clock.advance(Duration.ofMillis(1));
    Verdict again = limiter.admitNow(acme, "m", 950);
    assertTrue(again.admitted(), "the refusals charged nothing: it conforms exactly then");
    assertEquals(0, state(again, "tokens").remaining());
    clock.advance(Duration.ofSeconds(4));
    assertEquals(8000, limiter.state(acme).get(0).remaining(), "refilled after burst / rate");
  }

  @Test
  void requestRate_countsRequests_whateverTheirTokens() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), null, null));
    for (int i = 0; i < 10; i++) assertTrue(limiter.admitNow(acme, "m", 100_000).admitted(), "request " + i);
    Verdict v = limiter.admitNow(acme, "m", 1);
    assertEquals(Reason.REQUEST_RATE, v.reason());
    assertEquals(Duration.ofMillis(100), v.refusal().retryAfter());
    assertEquals("tenant 'acme': request rate 10/s (burst 10) exceeded; retry in 0.10 s", v.refusal().message());
  }

  @Test
  void dailyBudget_rollsOverAtUtcMidnight() {
    clock.now = Instant.parse("2026-12-06T23:59:00Z");
    Tenant acme = tenant(limits(null, null, new Budget(1000L, "day", false)));
    Verdict first = limiter.admitNow(acme, "m", 600);
    assertEquals(400, state(first, "budget").remaining());
    assertEquals(60, state(first, "budget").resetSeconds(), "the end of the UTC day");
    assertEquals(86_400, state(first, "budget").windowSeconds());
    Verdict v = limiter.admitNow(acme, "m", 500);
    assertEquals(Reason.BUDGET, v.reason());
    assertEquals(Duration.ofSeconds(60), v.refusal().retryAfter(), "the start of the next day");
    assertEquals("tenant 'acme': token budget 1000 per UTC day used up (a request of 500 tokens does not fit); "
        + "retry in 60 s, at the start of the next UTC day", v.refusal().message());
    assertTrue(limiter.admitNow(acme, "m", 400).admitted(), "what is left still fits");
    clock.advance(Duration.ofSeconds(60));
    Verdict next = limiter.admitNow(acme, "m", 500);
    assertTrue(next.admitted(), "a new day");
    assertEquals(500, state(next, "budget").remaining());
  }

  @Test
  void monthlyBudget_rollsOverOnTheFirst() {
    clock.now = Instant.parse("2026-02-28T12:00:00Z");
    Tenant acme = tenant(limits(null, null, new Budget(1000L, "month", false)));
    Verdict v = limiter.admitNow(acme, "m", 1000);
    assertEquals(28 * 86_400, state(v, "budget").windowSeconds(), "February 2026");
    Verdict refused = limiter.admitNow(acme, "m", 1);
    assertEquals(Duration.ofHours(12), refused.refusal().retryAfter(), "until 1 March, 00:00 UTC");
    clock.now = Instant.parse("2026-03-01T00:00:00Z");
    Verdict march = limiter.admitNow(acme, "m", 1);
    assertTrue(march.admitted());
    assertEquals(31 * 86_400, state(march, "budget").windowSeconds());
    assertEquals(999, state(march, "budget").remaining());
  }

  @Test
  void allOrNothing_aRefusalChargesNoLimit() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), new Rate(1000.0, 5000.0, false),
        new Budget(1000L, "day", false)));
    assertTrue(limiter.admitNow(acme, "m", 900).admitted());
    Verdict v = limiter.admitNow(acme, "m", 200);
    assertEquals(Reason.BUDGET, v.reason());
    assertEquals(9, state(v, "requests").remaining(), "the request rate was not charged");
    assertEquals(4100, state(v, "tokens").remaining(), "nor the token rate");
    assertEquals(100, state(v, "budget").remaining());
  }

  @Test
  void shadowLimits_areCountedAndReported_butRefuseNothing() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), new Rate(100.0, null, true), null));
    assertTrue(limiter.admitNow(acme, "m", 80).admitted());
    Verdict v = limiter.admitNow(acme, "m", 80);
    assertTrue(v.admitted(), "shadow: not refused");
    assertEquals(1, v.shadowed().size());
    assertEquals(Reason.TOKEN_RATE, v.shadowed().get(0).reason());
    assertEquals(Duration.ofMillis(600), v.shadowed().get(0).retryAfter());
    assertEquals(20, state(v, "tokens").remaining(), "what it would have refused is not charged to it");
    assertTrue(state(v, "tokens").shadow());
    assertEquals(8, state(v, "requests").remaining(), "the enforced limit was charged");
  }

  @Test
  void refund_givesBackWhatWasCharged_once() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), new Rate(2000.0, 8000.0, false),
        new Budget(10_000L, "day", false)));
    Verdict v = limiter.admitNow(acme, "m", 950);
    limiter.refund(v);
    limiter.refund(v);
    List<LimitState> s = limiter.state(acme);
    assertEquals(List.of(10L, 8000L, 10_000L), s.stream().map(LimitState::remaining).toList());
    limiter.refund(limiter.admitNow(acme, "m", 20_000)); // refused (too large): nothing to give back
    assertEquals(List.of(10L, 8000L, 10_000L), limiter.state(acme).stream().map(LimitState::remaining).toList());
  }

  @Test
  void regionShare_scalesEveryLimit() {
    Tenant acme = tenant(new Limits(null, new Rate(2000.0, 8000.0, false), new Budget(1000L, "day", false),
        Map.of("hk", 0.25, "intl", 0.75), null));
    Verdict v = limiter.admitNow(acme, "m", 200);
    assertEquals(2000, state(v, "tokens").quota(), "a quarter of the burst");
    assertEquals(50, state(v, "budget").remaining(), "a quarter of the budget, less 200");
    Verdict refused = limiter.admitNow(acme, "m", 51);
    assertEquals(Reason.BUDGET, refused.reason());
    assertTrue(refused.refusal().message().startsWith("tenant 'acme' in region 'hk' (share 0.25): token budget 250 "),
        refused.refusal().message());
    LocalLimiter eu = TenantLimiter.local("eu", clock, clock::nanos);
    Verdict none = eu.admitNow(acme, "m", 1);
    assertEquals(Reason.TOO_LARGE, none.reason(), "a region without a share admits nothing");
    assertTrue(none.refusal().message().contains("region 'eu' has no share"), none.refusal().message());
  }

  @Test
  void countersSurviveAReload_evenWhenTheParametersChange() {
    Tenant before = tenant(limits(null, new Rate(1000.0, 1000.0, false), new Budget(5000L, "day", false)));
    assertTrue(limiter.admitNow(before, "m", 1000).admitted());
    Tenant after = tenant(limits(null, new Rate(2000.0, 2000.0, false), new Budget(6000L, "day", false)));
    Verdict v = limiter.admitNow(after, "m", 1000);
    assertTrue(v.admitted(), "1000 used of the new burst of 2000");
    assertEquals(0, state(v, "tokens").remaining(), "the 1000 used before the reload still count");
    assertEquals(4000, state(v, "budget").remaining(), "6000 - 2000 used today");
    assertEquals(Reason.TOKEN_RATE, limiter.admitNow(after, "m", 1).reason());
  }

  @Test
  void perModelLimits_comeOnTopOfTheTenants() {
    Limits model = new Limits(new Rate(5.0, 2.0, false), null, null, null, null);
    Tenant acme = tenant(new Limits(new Rate(100.0, null, false), null, null, null, Map.of("m", model)));
    assertTrue(limiter.admitNow(acme, "m", 1).admitted());
    assertTrue(limiter.admitNow(acme, "m", 1).admitted());
    Verdict v = limiter.admitNow(acme, "m", 1);
    assertEquals(Reason.REQUEST_RATE, v.reason());
    assertEquals("m/requests", v.refusal().limit());
    assertEquals("m", v.refusal().model());
    assertEquals(Duration.ofMillis(200), v.refusal().retryAfter());
    assertEquals("tenant 'acme', model 'm': request rate 5/s (burst 2) exceeded; retry in 0.20 s",
        v.refusal().message());
    assertEquals(98, state(v, "requests").remaining(), "the tenant's own rate: charged twice, not three times");
    assertTrue(limiter.admitNow(acme, "other", 1).admitted(), "another model has only the tenant's limits");
    assertEquals(List.of("requests", "m/requests"), limiter.state(acme).stream().map(LimitState::name).toList());
  }

  @Test
  void aRequestLargerThanTheBurst_isTooLarge_withoutARetryTime() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), new Rate(2000.0, 8000.0, false), null));
    Verdict v = limiter.admitNow(acme, "m", 9000);
    assertEquals(Reason.TOO_LARGE, v.reason());
    assertNull(v.refusal().retryAfter());
    assertEquals(-1, v.refusal().retryAfterSeconds());
    assertEquals("tenant 'acme': a request of 9000 tokens is larger than the token rate 2000/s (burst 8000) allows "
        + "at once, so it can never be admitted; split the request", v.refusal().message());
    assertEquals(10, state(v, "requests").remaining(), "nothing charged");
  }

  @Test
  void stateChargesNothing_andATenantWithoutLimitsIsUnlimited() {
    Tenant acme = tenant(limits(new Rate(10.0, null, false), null, null));
    limiter.state(acme);
    assertEquals(10, limiter.state(acme).get(0).remaining());
    assertEquals(Map.of("name", "requests", "kind", "requests", "quota", 10L, "remaining", 10L, "reset_seconds", 0L,
        "window_seconds", 1L, "shadow", false), limiter.state(acme).get(0).toMap());
    assertTrue(limiter.admitNow(tenant(Limits.NONE), "m", 1_000_000).admitted());
    assertTrue(limiter.admitNow(tenant(Limits.NONE), "m", 1_000_000).limits().isEmpty());
  }
}
