package dev.laneway.gateway.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/**
 * Per-tenant metrics (issue 15): requests and tokens by latency class and outcome, refusals by the limit that refused
 * (shadow ones too), latency and queue wait by class, and the cost of the tenant stage itself. Durations in seconds
 * (Prometheus {@code _seconds}).
 *
 * <p>Labels are bounded: a tenant label is a tenant id the serving policy declares, or {@code anonymous} (a request with
 * an unknown key is refused before it has a tenant, so request data never makes a label); {@code limited} is whether
 * the tenant has limits. Thread-safe (OpenTelemetry instruments); any thread.
 */
public final class TenantMetrics {
  static final AttributeKey<String> TENANT = AttributeKey.stringKey("tenant");
  static final AttributeKey<String> CLASS = AttributeKey.stringKey("latency_class");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  static final AttributeKey<Boolean> SHADOW = AttributeKey.booleanKey("shadow");
  static final AttributeKey<Boolean> LIMITED = AttributeKey.booleanKey("limited");

  private static final List<Double> SECONDS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
      1.0, 2.5, 5.0, 10.0, 30.0);
  private static final List<Double> MICROS = List.of(1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 1e-2);

  private final LongCounter requests;
  private final LongCounter tokens;
  private final LongCounter refusals;
  private final DoubleHistogram duration;
  private final DoubleHistogram queueWait;
  private final DoubleHistogram admission;

  public TenantMetrics(Meter meter) {
    requests = meter.counterBuilder("laneway.tenant.requests")
        .setDescription("Requests by tenant, latency class and outcome (ok or the error reason)").build();
    tokens = meter.counterBuilder("laneway.tenant.tokens")
        .setDescription("Tokens charged to a tenant's limits by admitted requests (exact, before they ran)").build();
    refusals = meter.counterBuilder("laneway.tenant.refusals")
        .setDescription("Requests a tenant's limit refused, by limit; shadow=true: would have refused (shadow mode)")
        .build();
    duration = meter.histogramBuilder("laneway.tenant.request.duration").setUnit("s")
        .setDescription("Time from decoding a request to its answer, by tenant and latency class")
        .setExplicitBucketBoundariesAdvice(SECONDS).build();
    queueWait = meter.histogramBuilder("laneway.tenant.queue.wait").setUnit("s")
        .setDescription("Time an answered request's texts waited in the lane's queue, by tenant and latency class")
        .setExplicitBucketBoundariesAdvice(SECONDS).build();
    admission = meter.histogramBuilder("laneway.tenant.admission").setUnit("s")
        .setDescription("The tenant stage's own cost per request: token counting and the limiter (limited=false: a "
            + "tenant without limits, which skips both)")
        .setExplicitBucketBoundariesAdvice(MICROS).build();
  }

  /** The tenant stage took {@code nanos} for one request. */
  public void admission(boolean limited, long nanos) {
    admission.record(nanos / 1e9, Attributes.of(LIMITED, limited));
  }

  /** A limit refused a request ({@code shadow}: it would have; the request went on). */
  public void refused(String tenant, String reason, boolean shadow) {
    refusals.add(1, Attributes.of(TENANT, tenant, REASON, reason, SHADOW, shadow));
  }

  /** An admitted request charged {@code n} tokens. */
  public void charged(String tenant, long n) {
    if (n > 0) tokens.add(n, Attributes.of(TENANT, tenant));
  }

  /** A request was answered ({@code outcome} ok) or failed (its error reason). */
  public void answered(String tenant, String latencyClass, String outcome, double seconds, double queueSeconds) {
    Attributes a = Attributes.of(TENANT, tenant, CLASS, latencyClass, OUTCOME, outcome);
    requests.add(1, a);
    duration.record(seconds, a);
    if (queueSeconds >= 0) queueWait.record(queueSeconds, Attributes.of(TENANT, tenant, CLASS, latencyClass));
  }
}
