package dev.laneway.gateway.tenants;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@link TenantLimiter#admit} decided about one request: admitted or refused (and why, and when to retry), the
 * shadow limits that would have refused it, and the state of every limit of the tenant after the decision (what the
 * rate-limit headers of the response say, {@link RateLimitHeaders}). Immutable, but for the {@link Receipt} that
 * {@link TenantLimiter#refund} marks as used.
 *
 * <p>Error contract (the gateway maps it; suggested): {@link Reason#REQUEST_RATE}, {@link Reason#TOKEN_RATE} and
 * {@link Reason#BUDGET} are HTTP 429 / gRPC RESOURCE_EXHAUSTED with {@code Retry-After} = {@link Refusal#retryAfter}
 * rounded up to whole seconds (for a budget: the start of the next UTC period); {@link Reason#TOO_LARGE} is a 429
 * without {@code Retry-After}, or a 413, since retrying the same request never helps (its message says so);
 * {@link Reason#LIMITER_UNAVAILABLE} is a 503 / UNAVAILABLE with {@code Retry-After} (fail mode {@code closed} while
 * the shared limiter's Redis cannot be reached).
 *
 * @param admitted whether the request may go on
 * @param refusal why not, or null when admitted
 * @param shadowed shadow limits that would have refused the request (counted and reported, not enforced)
 * @param limits every limit of the tenant (and of the model) after the decision, tenant-wide first
 * @param receipt what was charged, for {@link TenantLimiter#refund}; {@link Receipt#NONE} when nothing was
 */
public record Verdict(boolean admitted, Refusal refusal, List<Refusal> shadowed, List<LimitState> limits,
    Receipt receipt) {

  public Verdict {
    shadowed = List.copyOf(shadowed);
    limits = List.copyOf(limits);
    if (receipt == null) receipt = Receipt.NONE;
    if (admitted != (refusal == null)) throw new IllegalArgumentException("admitted iff no refusal");
  }

  /** A request of a tenant without limits. */
  public static final Verdict UNLIMITED = new Verdict(true, null, List.of(), List.of(), Receipt.NONE);

  static Verdict refused(Refusal refusal, List<Refusal> shadowed, List<LimitState> limits) {
    return new Verdict(false, refusal, shadowed, limits, Receipt.NONE);
  }

  /** The reason of the refusal, or null when admitted. */
  public Reason reason() {
    return refusal == null ? null : refusal.reason();
  }

  /** Why a request was refused. */
  public enum Reason {
    /** A request rate (tenant-wide or per model). */
    REQUEST_RATE,
    /** A token rate (tenant-wide or per model). */
    TOKEN_RATE,
    /** The token budget of the current UTC day or month is used up; it comes back at the start of the next. */
    BUDGET,
    /** The request alone is larger than a rate's burst or the whole budget: it can never be admitted. */
    TOO_LARGE,
    /** Fail mode {@code closed}: the limits are shared through Redis, and Redis cannot be reached. */
    LIMITER_UNAVAILABLE
  }

  /** What a limit counts. */
  public enum Kind {
    REQUESTS, TOKENS, BUDGET
  }

  /**
   * One refusal (or, in {@link #shadowed}, a refusal that a shadow limit would have made).
   *
   * @param reason why
   * @param limit the limit's name ({@link LimitState#name}), or null for {@link Reason#LIMITER_UNAVAILABLE}
   * @param model the model of a per-model limit, null for a tenant-wide one
   * @param retryAfter when the same request would be admitted (the limiter's own state: a rate's next conforming
   *     time, a budget's next period); null for {@link Reason#TOO_LARGE}, which never will
   * @param message for the caller, e.g. {@code tenant 'acme': token rate 2000/s (burst 8000) exceeded by a request of
   *     950 tokens; retry in 0.41 s}
   */
  public record Refusal(Reason reason, String limit, String model, Duration retryAfter, String message) {
    /** {@link #retryAfter} as a {@code Retry-After} value: whole seconds, rounded up, at least 1; -1 when none. */
    public long retryAfterSeconds() {
      if (retryAfter == null) return -1;
      long s = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
      return Math.max(1, s);
    }
  }

  /**
   * The state of one limit, as headers and the admin API show it. Numbers are this region's (its share of the
   * policy's limit).
   *
   * @param name {@code requests}, {@code tokens} or {@code budget}; per model {@code <model>/requests} etc.
   * @param model the model of a per-model limit, null for a tenant-wide one
   * @param kind what it counts
   * @param quota a rate's burst, or the budget of the period
   * @param remaining what may still go now (a rate: of the burst; a budget: of the period)
   * @param reset until the limit is whole again: a rate's full replenishment, a budget's period end
   * @param windowSeconds a rate: the time to refill the whole burst (at least 1); a budget: the period's length
   * @param shadow whether it is only counted and reported
   */
  public record LimitState(String name, String model, Kind kind, long quota, long remaining, Duration reset,
      long windowSeconds, boolean shadow) {
    /** {@link #reset} in whole seconds, rounded up. */
    public long resetSeconds() {
      return reset.getSeconds() + (reset.getNano() > 0 ? 1 : 0);
    }

    /** For JSON (admin API, explain): name, model (if any), kind, quota, remaining, reset_seconds, window_seconds,
     * shadow. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      if (model != null) m.put("model", model);
      m.put("kind", kind.name().toLowerCase(Locale.ROOT));
      m.put("quota", quota);
      m.put("remaining", remaining);
      m.put("reset_seconds", resetSeconds());
      m.put("window_seconds", windowSeconds);
      m.put("shadow", shadow);
      return m;
    }
  }

  /**
   * What an admitted request charged, held for {@link TenantLimiter#refund}: opaque. A receipt is refunded at most
   * once.
   */
  public static final class Receipt {
    /** Nothing charged. */
    public static final Receipt NONE = new Receipt(null, List.of());

    final Object owner;
    final List<Charge> charges;
    private final AtomicBoolean refunded = new AtomicBoolean();

    Receipt(Object owner, List<Charge> charges) {
      this.owner = owner;
      this.charges = List.copyOf(charges);
    }

    /** Whether anything was charged. */
    public boolean isEmpty() {
      return charges.isEmpty();
    }

    /** Marks the receipt refunded; false if it already was (or is empty). */
    boolean claim() {
      return !charges.isEmpty() && refunded.compareAndSet(false, true);
    }
  }

  /** One limit charged: its state's key, the amount, and the budget period it went to (null for a rate). */
  record Charge(LimitSpec spec, long amount, String period) {}
}
