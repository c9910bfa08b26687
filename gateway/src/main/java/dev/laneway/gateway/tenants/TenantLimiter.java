package dev.laneway.gateway.tenants;

import dev.laneway.gateway.tenants.Verdict.Charge;
import dev.laneway.gateway.tenants.Verdict.LimitState;
import dev.laneway.gateway.tenants.Verdict.Receipt;
import dev.laneway.gateway.tenants.Verdict.Refusal;
import dev.laneway.routing.Tenant;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Tenants' rate limits and budgets ({@link dev.laneway.routing.Limits}), enforced on the exact cost of a request before
 * it enters a lane: one request and its exact token count, against the tenant's request rate, token rate and budget,
 * and the same limits of the model if the policy sets any.
 *
 * <p><b>One per process, across reloads.</b> The limiter keeps no policy: each call passes the {@link Tenant} record of
 * the current policy, and its limits are read from it then. State is kept per tenant id and limit name
 * ({@code tokens}, {@code <model>/budget}...), so a reload keeps every counter; when a limit's parameters change, a
 * rate keeps what it has used (its GCRA debt is converted to the new rate), a budget keeps what its period has used.
 *
 * <p><b>Semantics.</b> Rates are GCRA (generic cell rate): {@code per_second} sustained, up to {@code burst} at once; a
 * request costs 1 (request rate) or its tokens (token rate). A budget counts tokens per UTC calendar day or month.
 * Charging is all-or-nothing: if one enforced limit refuses, none is charged. A shadow limit refuses nothing: when it
 * would have refused, the verdict reports it in {@link Verdict#shadowed} and it is not charged (so it goes on counting
 * as if it were enforced); otherwise it is charged like the others. A request larger than a rate's burst (or a whole
 * budget) can never conform: {@link Verdict.Reason#TOO_LARGE}, without a retry time. Each gateway enforces its
 * region's share ({@code limits.regions}) of every limit.
 *
 * <p><b>Threads.</b> Called on Vert.x event loops, concurrently: thread-safe, and never blocks on I/O. State is guarded
 * per tenant (a short critical section that only does arithmetic), so tenants never contend with one another.
 * {@link #local} needs nothing else; {@link #redis} shares limits between the gateways of a region through Redis with
 * local leases (see {@link RedisLimiter}): its {@link #admit} completes later only when a lease must be refilled
 * first.
 */
public abstract class TenantLimiter implements AutoCloseable {

  /** What a Redis-backed limiter does while Redis cannot be reached. */
  public enum FailMode {
    /**
     * The default: each gateway falls back to local limits at its region's share, so while Redis is down a tenant may
     * get up to N times its share (N gateways in the region). One log line when it switches, one when Redis is back.
     */
    OPEN,
    /** Refuse every limited request with {@link Verdict.Reason#LIMITER_UNAVAILABLE} (a 503) until Redis is back. */
    CLOSED;

    /** {@code open} or {@code closed}. */
    public static FailMode parse(String s) {
      return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
        case "open" -> OPEN;
        case "closed" -> CLOSED;
        default -> throw new IllegalArgumentException("limiter fail mode: '" + s + "' (expected: open or closed)");
      };
    }
  }

  final String region;
  final InstantSource wall;
  final LongSupplier nanoTime;

  TenantLimiter(String region, InstantSource wall, LongSupplier nanoTime) {
    if (region == null || region.isBlank()) throw new IllegalArgumentException("region: missing");
    this.region = region;
    this.wall = wall;
    this.nanoTime = nanoTime;
  }

  /** A limiter of this process alone, on the system clocks. */
  public static LocalLimiter local(String region) {
    return local(region, InstantSource.system(), System::nanoTime);
  }

  /**
   * A limiter of this process alone.
   *
   * @param region this gateway's region (its share of each limit)
   * @param wall the wall clock: budget periods (UTC days and months)
   * @param nanoTime a monotonic clock in nanoseconds: rates
   */
  public static LocalLimiter local(String region, InstantSource wall, LongSupplier nanoTime) {
    return new LocalLimiter(region, wall, nanoTime);
  }

  /**
   * The gateway's limiter: this process's own when {@code redisUri} is null, else shared by the region's gateways
   * through Redis (connected here, up to 15 s: a gateway that cannot reach Redis at start runs in its fail mode until
   * it can, and says so).
   */
  public static TenantLimiter connect(Vertx vertx, String redisUri, String keyPrefix, String region, String failMode) {
    if (redisUri == null) return local(region);
    TenantLimiter l = redis(vertx, redisUri, keyPrefix, region, FailMode.parse(failMode));
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(TenantLimiter.class.getName());
    try {
      l.ready().await(15, java.util.concurrent.TimeUnit.SECONDS);
      log.info("tenants' limits shared through " + redisUri + " (region " + region + ", fail mode " + failMode + ")");
    } catch (Exception e) {
      log.warning("tenants' limits: Redis at " + redisUri + " not reachable at start (" + e.getMessage()
          + "); fail mode " + failMode + " until it is");
    }
    return l;
  }

  /** A limiter shared through Redis, on the system clocks. */
  public static TenantLimiter redis(Vertx vertx, String uri, String keyPrefix, String region, FailMode mode) {
    return redis(vertx, uri, keyPrefix, region, mode, InstantSource.system(), System::nanoTime);
  }

  /**
   * A limiter shared by the gateways of a region through one Redis (see {@link RedisLimiter} for the design).
   *
   * @param vertx the gateway's Vert.x (the Redis client's connections and timers)
   * @param uri e.g. {@code redis://127.0.0.1:6379}
   * @param keyPrefix prefix of every key, e.g. {@code laneway:limits:}
   * @param region this gateway's region (its share of each limit)
   * @param mode what to do while Redis cannot be reached
   * @param wall the wall clock: budget periods and lease ages
   * @param nanoTime a monotonic clock in nanoseconds: the local fallback's rates
   */
  public static TenantLimiter redis(Vertx vertx, String uri, String keyPrefix, String region, FailMode mode,
      InstantSource wall, LongSupplier nanoTime) {
    return new RedisLimiter(vertx, uri, keyPrefix, region, mode, wall, nanoTime);
  }

  /**
   * Admits a request or refuses it, charging 1 request and {@code tokens} tokens to every limit of the tenant (and of
   * {@code model}) if none refuses. The returned future is already complete unless a shared limiter must refill a
   * lease from Redis first; it never fails.
   *
   * @param tenant the tenant, from the current policy (its limits with the defaults applied)
   * @param model the model called (its per-model limits), or null
   * @param tokens the request's exact token count (0 when no limit counts tokens)
   */
  public abstract Future<Verdict> admit(Tenant tenant, String model, long tokens);

  /**
   * Gives back what an admitted request charged: the gateway calls it when the request is then refused downstream
   * (overload: it never ran) or fails with a server error (not the tenant's fault). Idempotent: a verdict is refunded
   * at most once; refused verdicts charged nothing. A rate's refund makes the next request conform earlier; a budget's
   * refund counts only in the period that was charged.
   */
  public abstract void refund(Verdict verdict);

  /** The current state of each limit of the tenant (each model's too), without charging anything. */
  public abstract List<LimitState> state(Tenant tenant);

  /**
   * Completes when the limiter can serve: at once for a local one; a shared one's first connection to Redis (it fails
   * if Redis cannot be reached, and the fail mode then applies until Redis is back). The gateway may await it at
   * start-up, with its own timeout; admissions before it complete are decided all the same.
   */
  public Future<Void> ready() {
    return Future.succeededFuture();
  }

  /** Releases what the limiter holds (a shared one returns its unused leases); admissions afterwards are undefined. */
  @Override
  public abstract void close();

  /** The state of one limit, for {@link #decide}: whether a cost conforms now, and charging it. */
  interface Meter {
    /** 0 when {@code cost} conforms now; else nanoseconds until it would. */
    long waitNanos(long cost);

    void charge(long cost);

    /** The budget period charged, or null for a rate. */
    String period();

    LimitState state();
  }

  /**
   * The all-or-nothing decision over the meters of a request's limits (the caller holds the tenant's lock). The
   * refusal reported is the enforced limit that would conform last, so its retry time is when all of them conform.
   */
  static Verdict decide(List<LimitSpec> specs, List<? extends Meter> meters, long tokens, Object owner) {
    Refusal refusal = null;
    long worst = -1;
    List<Refusal> shadowed = new ArrayList<>(0);
    boolean[] skip = new boolean[specs.size()];
    for (int i = 0; i < specs.size(); i++) {
      LimitSpec s = specs.get(i);
      long cost = s.cost(tokens);
      if (s.isTooLarge(cost)) {
        skip[i] = true;
        if (s.shadow()) {
          shadowed.add(s.tooLarge(cost));
        } else if (worst != Long.MAX_VALUE) {
          refusal = s.tooLarge(cost);
          worst = Long.MAX_VALUE;
        }
      }
    }
    for (int i = 0; i < specs.size(); i++) {
      if (skip[i]) continue;
      LimitSpec s = specs.get(i);
      long cost = s.cost(tokens);
      long wait = meters.get(i).waitNanos(cost);
      if (wait <= 0) continue;
      if (s.shadow()) {
        skip[i] = true;
        shadowed.add(s.refusal(cost, Duration.ofNanos(wait)));
      } else if (wait > worst) {
        worst = wait;
        refusal = s.refusal(cost, Duration.ofNanos(wait));
      }
    }
    if (refusal != null) return Verdict.refused(refusal, shadowed, states(meters));
    List<Charge> charges = new ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      if (skip[i]) continue;
      long cost = specs.get(i).cost(tokens);
      meters.get(i).charge(cost);
      charges.add(new Charge(specs.get(i), cost, meters.get(i).period()));
    }
    return new Verdict(true, null, shadowed, states(meters), new Receipt(owner, charges));
  }

  static List<LimitState> states(List<? extends Meter> meters) {
    List<LimitState> out = new ArrayList<>(meters.size());
    for (Meter m : meters) out.add(m.state());
    return out;
  }
}
