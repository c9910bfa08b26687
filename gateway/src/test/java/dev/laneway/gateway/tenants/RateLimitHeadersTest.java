package dev.laneway.gateway.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.laneway.gateway.tenants.TenantLimiterTest.TestClock;
import dev.laneway.gateway.tenants.Verdict.Kind;
import dev.laneway.gateway.tenants.Verdict.LimitState;
import dev.laneway.routing.Limits;
import dev.laneway.routing.Limits.Budget;
import dev.laneway.routing.Limits.Rate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact header strings: IETF draft-ietf-httpapi-ratelimit-headers-11 and OpenAI's x-ratelimit-*. */
class RateLimitHeadersTest {

  @Test
  void fromALimitersVerdict() {
    TestClock clock = new TestClock("2026-12-06T23:00:00Z");
    LocalLimiter limiter = TenantLimiter.local("hk", clock, clock::nanos);
    var acme = TenantLimiterTest.tenant(new Limits(new Rate(100.0, null, false), new Rate(2000.0, 8000.0, false),
        new Budget(1_000_000L, "day", false), null, null));
    Verdict v = limiter.admitNow(acme, "m", 950);
    assertEquals(Map.of(
        "RateLimit-Policy", "\"requests\";q=100;w=1, \"tokens\";q=8000;w=4, \"budget\";q=1000000;w=86400",
        "RateLimit", "\"requests\";r=99;t=1, \"tokens\";r=7050;t=1, \"budget\";r=999050;t=3600"),
        RateLimitHeaders.ietf(v));
    assertEquals(Map.of(
        "x-ratelimit-limit-requests", "100", "x-ratelimit-remaining-requests", "99",
        "x-ratelimit-reset-requests", "10ms",
        "x-ratelimit-limit-tokens", "8000", "x-ratelimit-remaining-tokens", "7050",
        "x-ratelimit-reset-tokens", "475ms"),
        RateLimitHeaders.openai(v));
  }

  @Test
  void perModelAndShadowLimits() {
    List<LimitState> limits = List.of(
        new LimitState("tokens", null, Kind.TOKENS, 8000, 420, Duration.ofMillis(2790), 4, false),
        new LimitState("requests", null, Kind.REQUESTS, 100, 80, Duration.ofMinutes(6), 1, true),
        new LimitState("m/tokens", "m", Kind.TOKENS, 1000, 300, Duration.ofMillis(1500), 2, false));
    assertEquals("\"tokens\";q=8000;w=4, \"requests\";q=100;w=1;laneway-shadow, \"m/tokens\";q=1000;w=2",
        RateLimitHeaders.ietf(limits).get("RateLimit-Policy"));
    assertEquals("\"tokens\";r=420;t=3, \"requests\";r=80;t=360, \"m/tokens\";r=300;t=2",
        RateLimitHeaders.ietf(limits).get("RateLimit"));
    assertEquals(Map.of("x-ratelimit-limit-tokens", "1000", "x-ratelimit-remaining-tokens", "300",
        "x-ratelimit-reset-tokens", "1.5s"), RateLimitHeaders.openai(limits),
        "the tightest enforced token limit; a shadow request rate has no OpenAI header");
    assertEquals(Map.of(), RateLimitHeaders.ietf(Verdict.UNLIMITED));
    assertEquals(Map.of(), RateLimitHeaders.openai(Verdict.UNLIMITED));
  }

  @Test
  void goDurations_asOpenAiWritesThem() {
    assertEquals("0s", RateLimitHeaders.goDuration(Duration.ZERO));
    assertEquals("120ms", RateLimitHeaders.goDuration(Duration.ofMillis(120)));
    assertEquals("1ms", RateLimitHeaders.goDuration(Duration.ofNanos(1)), "rounded up");
    assertEquals("1s", RateLimitHeaders.goDuration(Duration.ofSeconds(1)));
    assertEquals("8.64s", RateLimitHeaders.goDuration(Duration.ofMillis(8640)));
    assertEquals("6m0s", RateLimitHeaders.goDuration(Duration.ofMinutes(6)));
    assertEquals("1h0m0s", RateLimitHeaders.goDuration(Duration.ofHours(1)));
    assertEquals("25h1m1.001s", RateLimitHeaders.goDuration(Duration.ofMillis(90_061_001)));
  }

  @Test
  void namesAreQuotedStructuredFieldStrings() {
    assertEquals("\"a\\\"b\\\\c\"", RateLimitHeaders.sfString("a\"b\\c"));
  }
}
