package dev.laneway.gateway.tenants;

import dev.laneway.gateway.tenants.Verdict.Kind;
import dev.laneway.gateway.tenants.Verdict.Reason;
import dev.laneway.gateway.tenants.Verdict.Refusal;
import dev.laneway.routing.Limits;
import dev.laneway.routing.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One limit of one request, resolved from the {@link Tenant} record of the call: what it counts, its parameters at this
 * region's share, and its {@link #name}: state is kept per tenant id and name (the name includes the model), so it
 * survives a policy reload whatever the parameters become. Immutable; built on each call, which is how a reload's new
 * parameters take effect.
 *
 * @param tenant tenant id
 * @param model the model of a per-model limit, else null
 * @param kind what it counts
 * @param name {@code requests}, {@code tokens}, {@code budget}, or {@code <model>/<that>}
 * @param perSecond a rate's sustained rate at this region's share (0 for a budget)
 * @param burst a rate's burst at this region's share (0 for a budget)
 * @param budget a budget's tokens per period at this region's share (0 for a rate)
 * @param period {@code day} or {@code month} for a budget, else null
 * @param shadow counted and reported, never refuses
 * @param share this region's share of the policy's limit
 * @param region this gateway's region
 */
record LimitSpec(String tenant, String model, Kind kind, String name, double perSecond, double burst, long budget,
    String period, boolean shadow, double share, String region) {

  boolean isRate() {
    return kind != Kind.BUDGET;
  }

  /** What a request of {@code tokens} tokens costs this limit. */
  long cost(long tokens) {
    return kind == Kind.REQUESTS ? 1 : tokens;
  }

  /** The limits a request of {@code tenant} for {@code model} is charged against, tenant-wide first. */
  static List<LimitSpec> of(Tenant tenant, String model, String region) {
    Limits l = tenant.limits();
    double share = l.regionShare(region);
    List<LimitSpec> out = new ArrayList<>(6);
    add(out, tenant.id(), null, l, share, region);
    if (model != null) {
      Limits m = l.models().get(model);
      if (m != null) add(out, tenant.id(), model, m, share, region);
    }
    return out;
  }

  /** Every limit of the tenant, each model's included (for {@link TenantLimiter#state}). */
  static List<LimitSpec> all(Tenant tenant, String region) {
    Limits l = tenant.limits();
    double share = l.regionShare(region);
    List<LimitSpec> out = new ArrayList<>();
    add(out, tenant.id(), null, l, share, region);
    l.models().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> add(out, tenant.id(), e.getKey(), e.getValue(), share, region));
    return out;
  }

  private static void add(List<LimitSpec> out, String tenant, String model, Limits l, double share, String region) {
    String p = model == null ? "" : model + "/";
    if (l.requests() != null) out.add(rate(tenant, model, Kind.REQUESTS, p + "requests", l.requests(), share, region));
    if (l.tokens() != null) out.add(rate(tenant, model, Kind.TOKENS, p + "tokens", l.tokens(), share, region));
    Limits.Budget b = l.budget();
    if (b != null) {
      out.add(new LimitSpec(tenant, model, Kind.BUDGET, p + "budget", 0, 0, (long) Math.floor(b.tokens() * share),
          b.period(), b.shadow(), share, region));
    }
  }

  private static LimitSpec rate(String tenant, String model, Kind kind, String name, Limits.Rate r, double share,
      String region) {
    return new LimitSpec(tenant, model, kind, name, r.perSecond() * share, r.burst() * share, 0, null, r.shadow(),
        share, region);
  }

  /** Nanoseconds per unit of a rate. */
  double interval() {
    return 1e9 / perSecond;
  }

  /** A rate's burst, or a budget, in whole units (what the headers call the quota). */
  long quota() {
    return isRate() ? (long) Math.floor(burst + 1e-9) : budget;
  }

  /** A rate's time to refill its whole burst, whole seconds, at least 1; a budget's period length. */
  long windowSeconds(Instant now) {
    if (isRate()) return Math.max(1, (long) Math.ceil(burst / perSecond - 1e-9));
    return Duration.between(periodStart(now), periodEnd(now)).getSeconds();
  }

  /** Whether a request of this cost can never conform: more than the burst, more than the whole budget. */
  boolean isTooLarge(long cost) {
    return share <= 0 || (isRate() ? cost > burst + 1e-9 : cost > budget);
  }

  // -- budget periods (UTC calendar) --

  /** The id of the budget period {@code now} is in: {@code 2026-12-06} or {@code 2026-12}. */
  String periodId(Instant now) {
    return "day".equals(period) ? LocalDate.ofInstant(now, ZoneOffset.UTC).toString()
        : YearMonth.from(now.atOffset(ZoneOffset.UTC)).toString();
  }

  Instant periodStart(Instant now) {
    LocalDate d = LocalDate.ofInstant(now, ZoneOffset.UTC);
    if (!"day".equals(period)) d = d.withDayOfMonth(1);
    return d.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  Instant periodEnd(Instant now) {
    LocalDate d = LocalDate.ofInstant(now, ZoneOffset.UTC);
    LocalDate next = "day".equals(period) ? d.plusDays(1) : d.withDayOfMonth(1).plusMonths(1);
    return next.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  // -- messages --

  private String who() {
    String s = "tenant '" + tenant + "'" + (model != null ? ", model '" + model + "'" : "");
    return share < 1 ? s + " in region '" + region + "' (share " + num(share) + ")" : s;
  }

  private String what() {
    return switch (kind) {
      case REQUESTS -> "request rate " + num(perSecond) + "/s (burst " + num(burst) + ")";
      case TOKENS -> "token rate " + num(perSecond) + "/s (burst " + num(burst) + ")";
      case BUDGET -> "token budget " + budget + " per UTC " + period;
    };
  }

  Reason reason() {
    return switch (kind) {
      case REQUESTS -> Reason.REQUEST_RATE;
      case TOKENS -> Reason.TOKEN_RATE;
      case BUDGET -> Reason.BUDGET;
    };
  }

  /** The refusal of a request of {@code cost} that conforms again after {@code retry}. */
  Refusal refusal(long cost, Duration retry) {
    String by = switch (kind) {
      case REQUESTS -> " exceeded";
      case TOKENS -> " exceeded by a request of " + cost + " tokens";
      case BUDGET -> " used up (a request of " + cost + " tokens does not fit)";
    };
    String when = kind == Kind.BUDGET ? "; retry in " + retry.toSeconds() + " s, at the start of the next UTC " + period
        : "; retry in " + String.format(Locale.ROOT, "%.2f", retry.toNanos() / 1e9) + " s";
    return new Refusal(reason(), name, model, retry, who() + ": " + what() + by + when);
  }

  /** The refusal of a request that can never conform. */
  Refusal tooLarge(long cost) {
    String m = share <= 0 ? who() + ": region '" + region + "' has no share of the tenant's limits (limits.regions); "
        + "send the request to a region that has one"
        : who() + ": a request of " + cost + (kind == Kind.REQUESTS ? " request" : " tokens") + " is larger than the "
            + what() + (isRate() ? " allows at once" : " allows in a whole period")
            + ", so it can never be admitted; split the request";
    return new Refusal(Reason.TOO_LARGE, name, model, null, m);
  }

  /** A number without a needless fraction: {@code 2000}, {@code 0.5}. */
  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    String s = String.format(Locale.ROOT, "%.3f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
