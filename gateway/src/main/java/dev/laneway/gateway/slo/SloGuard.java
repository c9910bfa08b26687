package dev.laneway.gateway.slo;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The SLOs inside the gateway: every answer is counted against the objectives of its latency class (and tenant), the
 * burn rates are read from those counts ({@link BurnRates}, no Prometheus), and while the protected objective burns
 * the pipeline sheds less urgent classes ({@link Shedder}). Exported as {@code laneway_slo_burn_rate{slo,window}} and
 * {@code laneway_slo_shedding} (0 none, 1 batch, 2 batch and standard), and served at {@code GET /v2/slo}.
 *
 * <pre>{@code
 * Shedder.State s = guard.shedding();              // re-decided at most once a second of the clock
 * if (s.sheds(call.latencyClass())) refuse(...);   // 429 slo_shed
 * guard.answered("interactive", "anonymous", "ok", nanos);
 * }</pre>
 *
 * <p>Thread-safe: {@link #answered} on lane threads, {@link #shedding} on event loops.
 */
public final class SloGuard {
  private static final Logger LOG = Logger.getLogger(SloGuard.class.getName());
  private static final long DECIDE_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
  /** The windows the gateway reports for every SLI (with the shedding window). */
  public static final List<Duration> WINDOWS = List.of(Duration.ofMinutes(5), Duration.ofHours(1));

  private final SloSpec spec;
  private final BurnRates rates;
  private final LongSupplier nanos;
  private final Set<String> notCounted;
  private final List<SloSpec.Sli> slis = new ArrayList<>();
  private final List<SloSpec.Sli> protectedSlis = new ArrayList<>();
  private final RecentAnswers recent;
  private volatile Shedder.State state = Shedder.State.NONE;
  private long decidedAt = Long.MIN_VALUE; // guarded by this

  private SloGuard(SloSpec spec, LongSupplier nanos) {
    this.spec = spec;
    this.nanos = nanos;
    this.notCounted = new HashSet<>(spec.notCounted());
    for (SloSpec.Objective o : spec.objectives()) {
      slis.addAll(o.slis());
      if (spec.shedding().enabled() && o.name().equals(spec.shedding().protect())) protectedSlis.addAll(o.slis());
    }
    this.rates = new BurnRates(slis, nanos);
    this.recent = new RecentAnswers(List.of("interactive", "standard", "batch"), nanos);
  }

  /** A guard over {@code spec}, its gauges registered on {@code meter}; {@code nanos} is its clock. */
  public static SloGuard create(SloSpec spec, Meter meter, LongSupplier nanos) {
    SloGuard g = new SloGuard(spec, nanos);
    AttributeKey<String> slo = AttributeKey.stringKey("slo");
    AttributeKey<String> window = AttributeKey.stringKey("window");
    AttributeKey<String> latencyClass = AttributeKey.stringKey("latency_class");
    meter.gaugeBuilder("laneway.slo.burn_rate")
        .setDescription("Error-budget burn rate of an SLO over a window, from this gateway's own counts (1: the "
            + "budget lasts exactly the objective's window)")
        .buildWithCallback(m -> {
          for (SloSpec.Sli s : g.slis) {
            for (Duration w : g.windows()) {
              m.record(g.rates.window(s, w).burnRate(), Attributes.of(slo, s.id(), window, RuleText.duration(w),
                  latencyClass, s.objective().latencyClass()));
            }
          }
        });
    meter.gaugeBuilder("laneway.slo.shedding").ofLongs()
        .setDescription("Classes shed while the protected SLO burns: 0 none, 1 batch, 2 batch and standard")
        .buildWithCallback(m -> m.record(g.shedding().level()));
    return g;
  }

  /** The last answers of each class: the status page's live quantiles and slow requests. */
  public RecentAnswers recent() {
    return recent;
  }

  public SloSpec spec() {
    return spec;
  }

  /** The windows reported for every SLI: 5m, 1h and the shedding window, shortest first. */
  public List<Duration> windows() {
    List<Duration> w = new ArrayList<>(WINDOWS);
    if (!w.contains(spec.shedding().window())) w.add(spec.shedding().window());
    w.sort(null);
    return w;
  }

  /** Every SLI of every objective, in file order. */
  public List<SloSpec.Sli> slis() {
    return List.copyOf(slis);
  }

  /** One SLI's events over {@code window}. */
  public BurnRates.Window window(SloSpec.Sli sli, Duration window) {
    return rates.window(sli, window);
  }

  /**
   * Counts one answered (or failed) call against the objectives of its class and tenant. Any thread.
   *
   * @param outcome {@code ok} or the error's reason
   * @param durationNanos decode to answer
   */
  public void answered(String latencyClass, String tenant, String outcome, long durationNanos) {
    answered(latencyClass, tenant, outcome, durationNanos, null);
  }

  /** As {@link #answered(String, String, String, long)}, kept among the recent answers with its trace id. */
  public void answered(String latencyClass, String tenant, String outcome, long durationNanos, String traceId) {
    recent.record(latencyClass, durationNanos, outcome, traceId);
    if (notCounted.contains(outcome)) return;
    boolean ok = outcome.equals("ok");
    for (SloSpec.Sli s : slis) {
      SloSpec.Objective o = s.objective();
      if (!o.latencyClass().equals(latencyClass) || (o.tenant() != null && !o.tenant().equals(tenant))) continue;
      if (s.kind().equals("availability")) {
        rates.record(s, !ok);
      } else if (ok) {
        rates.record(s, durationNanos > s.threshold().toNanos());
      }
    }
  }

  /**
   * What is shed now, re-decided from the protected objective's burn (the fastest of its SLIs over the shedding
   * window) at most once a second of the clock. Any thread.
   */
  public Shedder.State shedding() {
    if (protectedSlis.isEmpty()) return Shedder.State.NONE;
    long now = nanos.getAsLong();
    synchronized (this) {
      if (decidedAt != Long.MIN_VALUE && now - decidedAt < DECIDE_EVERY_NANOS) return state;
      decidedAt = now;
      double burn = 0;
      for (SloSpec.Sli s : protectedSlis) {
        BurnRates.Window w = rates.window(s, spec.shedding().window());
        if (w.total() >= spec.shedding().minRequests() && w.burnRate() > burn) burn = w.burnRate();
      }
      Shedder.State before = state;
      // under min_requests an SLI reads as not burning (filtered above), so the shedder sees the traffic as enough
      Shedder.State after = Shedder.next(before, burn, Long.MAX_VALUE, spec.shedding(), now);
      if (after.level() != before.level()) {
        LOG.warning("slo " + spec.shedding().protect() + " burns " + String.format("%.1f", burn) + "x over "
            + RuleText.duration(spec.shedding().window()) + ": shedding " + before.describe() + " -> "
            + after.describe());
      }
      state = after;
      return after;
    }
  }

  /** The protected objective's name, or null when shedding is off. */
  public String protectedObjective() {
    return protectedSlis.isEmpty() ? null : spec.shedding().protect();
  }
}
