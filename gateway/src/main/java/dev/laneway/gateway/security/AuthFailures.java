package dev.laneway.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Failed authentications, counted per source address and slowed down, so keys cannot be guessed at line rate: a source
 * may fail {@link #BURST} times at once, then once per {@link #INTERVAL} (GCRA on the failures: each one pushes the
 * source's theoretical arrival time one interval on). A source over that is refused every request, whatever key it
 * sends (429 with Retry-After, the same answer for a right and a wrong key, so a guess cannot be tested while
 * throttled) until its failures have drained. Sources are kept in a bounded map (Caffeine, the least recently seen
 * dropped first) so a spray of addresses cannot grow it without bound.
 *
 * <p>{@code laneway_auth_failures_total{outcome="refused"|"throttled"}} counts both; never a source as a label.
 *
 * <pre>{@code
 * long wait = failures.waitNanos(source);   // > 0: refuse now
 * ... on a wrong key: failures.failed(source);
 * }</pre>
 *
 * <p>Any thread; the clock is injected.
 */
public final class AuthFailures {
  public static final int BURST = 10;
  public static final Duration INTERVAL = Duration.ofSeconds(1);
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

  private final Cache<String, AtomicLong> tat;
  private final LongSupplier nanos;
  private final long interval = INTERVAL.toNanos();
  private final long tolerance = (BURST - 1) * INTERVAL.toNanos();
  private final LongCounter counter;

  public AuthFailures(Meter meter, LongSupplier nanos) {
    this.nanos = nanos;
    this.tat = Caffeine.newBuilder().maximumSize(100_000).build();
    this.counter = meter.counterBuilder("laneway.auth.failures")
        .setDescription("Failed authentications: refused (an unknown or missing key) or throttled (too many from the "
            + "source)").build();
  }

  /** How long {@code source} must wait before it may authenticate again; 0: now. */
  public long waitNanos(String source) {
    AtomicLong t = tat.getIfPresent(key(source));
    if (t == null) return 0;
    long wait = t.get() - nanos.getAsLong() - tolerance;
    if (wait <= 0) return 0;
    counter.add(1, Attributes.of(OUTCOME, "throttled"));
    return wait;
  }

  /** Counts one failed authentication from {@code source}. */
  public void failed(String source) {
    counter.add(1, Attributes.of(OUTCOME, "refused"));
    long now = nanos.getAsLong();
    tat.get(key(source), k -> new AtomicLong(now)).updateAndGet(t -> Math.max(t, now) + interval);
  }

  private static String key(String source) {
    return source == null ? "unknown" : source;
  }
}
