package dev.laneway.gateway.slo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.laneway.observability.Telemetry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One deployment's service level objectives, as the SLO file declares them ({@link SloLoader}; the embedded default is
 * {@code laneway/default-slo.yaml}): per latency class (optionally per tenant) an availability objective and a latency
 * objective, each over its window; which refusals do not count against them; how alerts burn (the SRE workbook's
 * multi-window, multi-burn-rate pairs and a minimum-traffic guard); and how the gateway sheds less urgent classes
 * while a protected objective burns. Immutable and validated; build one in a test without YAML.
 *
 * <p>The SLIs, over {@code laneway_tenant_requests_total} and {@code laneway_tenant_request_duration_seconds} (every
 * call is counted there, by tenant, latency class and outcome): availability = answers {@code ok} / every counted
 * request; latency = {@code ok} answers within the threshold / {@code ok} answers. A request is counted unless its
 * outcome is in {@link #notCounted} (the caller's own mistake or the tenant's own limit); every other refusal counts
 * against the objective: saturation ({@code queue_full}, {@code shed}, {@code would_miss_deadline}), no lane, a
 * device failure, and {@code slo_shed} (the gateway's own shedding).
 *
 * @param objectives at least one; names unique
 * @param notCounted outcomes that are neither good nor bad
 * @param source where it came from, for messages
 */
public record SloSpec(List<Objective> objectives, List<String> notCounted, Alerting alerting, Shedding shedding,
    String source) {

  /** The outcomes the embedded default does not count: the caller's own error, the tenant's own limit. */
  public static final List<String> DEFAULT_NOT_COUNTED = List.of("bad_request", "invalid_input", "unknown_model",
      "unknown_version", "unauthorized", "forbidden", "cancelled", "request_rate", "token_rate", "budget_exhausted",
      "too_large");

  public SloSpec {
    objectives = List.copyOf(require("objectives", objectives));
    if (objectives.isEmpty()) throw new IllegalArgumentException("objectives: empty (expected: at least one)");
    Set<String> names = new HashSet<>();
    for (Objective o : objectives) {
      if (!names.add(o.name())) {
        throw new IllegalArgumentException("objectives: '" + o.name() + "' declared twice (expected: unique names)");
      }
    }
    notCounted = notCounted == null ? DEFAULT_NOT_COUNTED : List.copyOf(notCounted);
    if (notCounted.contains("ok")) throw new IllegalArgumentException("not_counted: 'ok' (expected: error reasons)");
    for (String o : notCounted) outcome("not_counted", o);
    if (alerting == null) alerting = Alerting.DEFAULT;
    if (shedding == null) shedding = Shedding.DEFAULT;
    String protect = shedding.protect();
    if (shedding.enabled() && objectives.stream().noneMatch(o -> o.name().equals(protect))) {
      throw new IllegalArgumentException("shedding.protect: '" + protect + "' (expected: the name of an "
          + "objective: " + objectives.stream().map(Objective::name).toList() + ")");
    }
    if (source == null) source = "slo";
  }

  /** This spec with shedding off ({@code --slo-shedding false}). */
  public SloSpec withoutShedding() {
    SloSpec.Shedding s = shedding;
    return new SloSpec(objectives, notCounted, alerting, new Shedding(false, s.protect(), s.window(), s.batchAbove(),
        s.standardAbove(), s.recoverBelow(), s.hold(), s.minRequests()), source);
  }

  /** The objective named {@code name}. */
  public Objective objective(String name) {
    return objectives.stream().filter(o -> o.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no objective '" + name + "'"));
  }

  /**
   * One objective: a latency class's (optionally one tenant's) availability and latency.
   *
   * @param name an id ({@code interactive}); the {@code slo} label of every series generated for it
   * @param latencyClass {@code interactive}, {@code standard} or {@code batch}
   * @param tenant a tenant id, or null for every tenant
   * @param availability null for none
   * @param latency null for none
   */
  public record Objective(String name, String latencyClass, String tenant, Availability availability,
      Latency latency) {
    public Objective {
      id("objectives[].name", name);
      if (latencyClass == null) throw new IllegalArgumentException(name + ".latency_class: missing");
      if (!List.of("interactive", "standard", "batch").contains(latencyClass)) {
        throw new IllegalArgumentException(name + ".latency_class: '" + latencyClass
            + "' (expected: interactive, standard or batch)");
      }
      if (tenant != null && !tenant.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
        throw new IllegalArgumentException(name + ".tenant: '" + tenant + "' (expected: a tenant id)");
      }
      if (availability == null && latency == null) {
        throw new IllegalArgumentException(name + ": neither availability nor latency (expected: at least one)");
      }
    }

    /** The SLIs this objective declares, availability first. */
    public List<Sli> slis() {
      List<Sli> out = new java.util.ArrayList<>(2);
      if (availability != null) out.add(new Sli(this, "availability", availability.target(), availability.window(),
          null));
      if (latency != null) out.add(new Sli(this, "latency", latency.target(), latency.window(), latency.threshold()));
      return out;
    }
  }

  /**
   * One SLI of an objective, as rules and the gateway compute it.
   *
   * @param kind {@code availability} or {@code latency}
   * @param threshold the latency threshold, null for availability
   */
  public record Sli(Objective objective, String kind, double target, Duration window, Duration threshold) {
    /** {@code interactive-availability}: the {@code slo} label. */
    public String id() {
      return objective.name() + "-" + kind;
    }

    /** The share of events allowed to be bad: {@code 1 - target}. */
    public double errorBudget() {
      return 1 - target;
    }
  }

  /** Answers {@code ok} / counted requests, at least {@code target}, over {@code window}. */
  public record Availability(double target, Duration window) {
    public Availability {
      checkTarget(target);
      window = checkWindow("availability.window", window);
    }
  }

  /**
   * Of {@code ok} answers, at least {@code target} within {@code threshold}, over {@code window}. The threshold is a
   * bucket bound of the duration histograms ({@link Telemetry#LATENCY_BUCKETS_SECONDS}), so rules read it exactly.
   */
  public record Latency(double target, Duration threshold, Duration window) {
    public Latency {
      checkTarget(target);
      require("latency.threshold", threshold);
      double s = threshold.toNanos() / 1e9;
      if (Telemetry.LATENCY_BUCKETS_SECONDS.stream().noneMatch(b -> Math.abs(b - s) < 1e-12)) {
        throw new IllegalArgumentException("latency.threshold: " + threshold.toNanos() / 1e6 + " ms (expected: a "
            + "bucket bound of the duration histograms, in seconds one of " + Telemetry.LATENCY_BUCKETS_SECONDS + ")");
      }
      window = checkWindow("latency.window", window);
    }
  }

  /**
   * How burn-rate alerts are built.
   *
   * @param minRequests an alert needs at least this many counted requests in its long window (a quiet hour with three
   *     requests, one failed, does not page)
   * @param burnWindows each pair fires when both windows burn faster than its factor
   */
  public record Alerting(Integer minRequests, List<BurnWindow> burnWindows) {
    /** The SRE workbook's: 14.4× over 1 h and 5 min, 6× over 6 h and 30 min (page), 1× over 3 d and 6 h (ticket). */
    public static final List<BurnWindow> WORKBOOK = List.of(
        new BurnWindow(Duration.ofHours(1), Duration.ofMinutes(5), 14.4, "page"),
        new BurnWindow(Duration.ofHours(6), Duration.ofMinutes(30), 6, "page"),
        new BurnWindow(Duration.ofDays(3), Duration.ofHours(6), 1, "ticket"));
    public static final Alerting DEFAULT = new Alerting(100, WORKBOOK);

    public Alerting {
      if (minRequests == null) minRequests = 100;
      if (minRequests < 0) throw new IllegalArgumentException("alerting.min_requests: " + minRequests
          + " (expected: >= 0)");
      burnWindows = burnWindows == null || burnWindows.isEmpty() ? WORKBOOK : List.copyOf(burnWindows);
    }
  }

  /** A long and a short window and the burn factor both must exceed; {@code severity} page or ticket. */
  public record BurnWindow(@JsonProperty("long") Duration longWindow, @JsonProperty("short") Duration shortWindow,
      double factor, String severity) {
    public BurnWindow {
      longWindow = checkWindow("burn_windows[].long", longWindow);
      shortWindow = checkWindow("burn_windows[].short", shortWindow);
      if (shortWindow.compareTo(longWindow) >= 0) {
        throw new IllegalArgumentException("burn_windows[].short: " + shortWindow + " (expected: < long "
            + longWindow + ")");
      }
      if (!(factor > 0)) throw new IllegalArgumentException("burn_windows[].factor: " + factor + " (expected: > 0)");
      if (!"page".equals(severity) && !"ticket".equals(severity)) {
        throw new IllegalArgumentException("burn_windows[].severity: '" + severity + "' (expected: page or ticket)");
      }
    }
  }

  /**
   * Shedding by burn rate, inside the gateway: while the {@code protect}ed objective burns faster than
   * {@code batchAbove} over {@code window} (with at least {@code minRequests} counted there), the batch class is
   * refused ({@code 429 slo_shed}); above {@code standardAbove}, the standard class too. A class is admitted again once
   * the burn has stayed below {@code recoverBelow} for {@code hold} (hysteresis: no flapping at the threshold).
   */
  public record Shedding(Boolean enabled, String protect, Duration window, Double batchAbove, Double standardAbove,
      Double recoverBelow, Duration hold, Integer minRequests) {
    public static final Shedding DEFAULT = new Shedding(true, "interactive", Duration.ofMinutes(5), 6.0, 14.4, 1.0,
        Duration.ofMinutes(1), 20);

    public Shedding {
      if (enabled == null) enabled = true;
      if (batchAbove == null) batchAbove = 6.0;
      if (standardAbove == null) standardAbove = Math.max(14.4, batchAbove);
      if (recoverBelow == null) recoverBelow = Math.min(1.0, batchAbove);
      if (minRequests == null) minRequests = 20;
      if (protect == null) protect = "interactive";
      window = checkWindow("shedding.window", window == null ? Duration.ofMinutes(5) : window);
      if (window.compareTo(BurnRates.LONGEST) > 0) {
        throw new IllegalArgumentException("shedding.window: " + window + " (expected: <= " + BurnRates.LONGEST + ")");
      }
      if (!(batchAbove > 0)) throw new IllegalArgumentException("shedding.batch_above: " + batchAbove
          + " (expected: > 0)");
      if (!(standardAbove >= batchAbove)) throw new IllegalArgumentException("shedding.standard_above: "
          + standardAbove + " (expected: >= batch_above " + batchAbove + ")");
      if (!(recoverBelow >= 0 && recoverBelow <= batchAbove)) {
        throw new IllegalArgumentException("shedding.recover_below: " + recoverBelow + " (expected: 0.."
            + batchAbove + ")");
      }
      hold = hold == null ? Duration.ofMinutes(1) : hold;
      if (hold.isNegative()) throw new IllegalArgumentException("shedding.hold: " + hold + " (expected: >= 0)");
      if (minRequests < 0) throw new IllegalArgumentException("shedding.min_requests: " + minRequests
          + " (expected: >= 0)");
    }
  }

  static void checkTarget(double t) {
    if (!(t > 0 && t < 1)) throw new IllegalArgumentException("target: " + t + " (expected: 0 < target < 1, e.g. "
        + "0.999)");
  }

  static Duration checkWindow(String field, Duration d) {
    require(field, d);
    if (d.toSeconds() < 60 || d.toSeconds() % 60 != 0) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: whole minutes, at least 1m)");
    }
    return d;
  }

  static <T> T require(String field, T value) {
    if (value == null) throw new IllegalArgumentException(field + ": missing");
    return value;
  }

  static void id(String field, String value) {
    if (value == null || !value.matches("[a-z0-9][a-z0-9_-]*")) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: lower-case letters, digits, '_', '-')");
    }
  }

  static void outcome(String field, String value) {
    if (value == null || !value.matches("[a-z0-9_]+")) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: an outcome such as queue_full)");
    }
  }
}
