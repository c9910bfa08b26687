package dev.laneway.gateway.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.OpenTelemetry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthFailuresTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final AuthFailures failures = new AuthFailures(OpenTelemetry.noop().getMeter("t"), now::get);

  @Test
  void aBurstOfFailures_thenTheSourceWaits_oneMorePerInterval() {
    for (int i = 0; i < AuthFailures.BURST; i++) {
      assertEquals(0, failures.waitNanos("10.0.0.1"), "failure " + i + " is within the burst");
      failures.failed("10.0.0.1");
    }
    long wait = failures.waitNanos("10.0.0.1");
    assertEquals(TimeUnit.SECONDS.toNanos(1), wait);
    assertEquals(0, failures.waitNanos("10.0.0.2"), "another source is not slowed");
    now.addAndGet(wait);
    assertEquals(0, failures.waitNanos("10.0.0.1"), "one interval later: one more try");
    failures.failed("10.0.0.1");
    assertTrue(failures.waitNanos("10.0.0.1") > 0, "and it is spent at once");
    now.addAndGet(TimeUnit.SECONDS.toNanos(AuthFailures.BURST));
    assertEquals(0, failures.waitNanos("10.0.0.1"));
  }

  @Test
  void anUnknownSource_isOneSource() {
    for (int i = 0; i < AuthFailures.BURST; i++) failures.failed(null);
    assertTrue(failures.waitNanos(null) > 0);
  }
}
