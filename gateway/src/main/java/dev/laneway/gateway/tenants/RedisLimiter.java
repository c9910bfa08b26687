package dev.laneway.gateway.tenants;

import dev.laneway.gateway.tenants.Leases.Lease;
import dev.laneway.gateway.tenants.Verdict.Charge;
import dev.laneway.gateway.tenants.Verdict.LimitState;
import dev.laneway.gateway.tenants.Verdict.Reason;
import dev.laneway.gateway.tenants.Verdict.Refusal;
import dev.laneway.routing.Tenant;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Limits shared by the gateways of a region through one Redis, without a Redis round trip per request: local leases.
 *
 * <p><b>Leases.</b> For each limit of a tenant, this gateway holds a lease: units (requests or tokens) taken from the
 * shared limit in Redis atomically by a Lua script ({@link RedisScripts}: a GCRA bucket in a hash per tenant and
 * limit, on the Redis server's clock; a budget as a counter per period). Requests are admitted from the leases, all or
 * nothing, under the tenant's lock, exactly like {@link LocalLimiter} admits from its own state. When a lease falls
 * below half its target after a charge, a refill is sent in the background (one in flight per lease), so in steady
 * state {@link #admit} returns a completed future. Only when a lease holds less than a request costs does
 * {@code admit} wait for a refill (one Redis round trip, at most two; shadow limits' leases included), and the future
 * completes on the Redis client's context. Once Redis has refused a lease, that limit refuses locally for up to
 * 100 ms (a rate: at most until its wait is over) before asking again.
 *
 * <p><b>Lease size.</b> Target per lease: for a rate, {@code max(min(burst/10, rate x 50 ms), 4 x the recent mean
 * cost)}, capped at burst/2; for a budget, {@code max(budget/1000, 4 x the recent mean cost)}, capped at budget/50;
 * never less than what the request needs. A gateway holds at most about one and a half leases per limit, which bounds
 * how far N gateways together exceed a rate's burst. A budget is never exceeded: Redis grants at most what is left of
 * the period, and unused leases only strand allowance. Rate leases unused for two seconds expire locally (their units
 * are spent, not returned: a GCRA bucket refills anyway); {@link #close} returns every unused lease.
 *
 * <p><b>Keys.</b> {@code <prefix><tenant>:<limit>} (a hash) for a rate, {@code <prefix><tenant>:<limit>:<period>} (a
 * counter that expires after the period) for a budget; {@code @<region>} is added when the tenant splits its limits
 * between regions, so regions sharing one Redis keep apart (without a split, all regions share the whole limit).
 *
 * <p><b>Redis unreachable</b> (the first connection, made at construction ({@link #ready}), fails or takes over 10 s;
 * a call fails or takes over 2 s): one log line, then {@link TenantLimiter.FailMode}
 * {@code OPEN} admits by a {@link LocalLimiter} at this region's share (with N gateways, a tenant may get up to N
 * times its share meanwhile; what is admitted then is not counted in Redis), {@code CLOSED} refuses with
 * {@link Reason#LIMITER_UNAVAILABLE}. Redis is probed (PING) at most once a second, on the next admission; one log
 * line when it is back, and leases are taken afresh.
 */
final class RedisLimiter extends TenantLimiter {
  private static final Logger LOG = Logger.getLogger(RedisLimiter.class.getName());
  static final long TIMEOUT_MS = 2000;
  static final long CONNECT_TIMEOUT_MS = 10_000;
  static final long PROBE_NANOS = 1_000_000_000L;
  static final long RATE_LEASE_TTL_NANOS = 2_000_000_000L;
  static final long DENY_HOLD = 100_000_000L;

  private final Redis redis;
  private final String uri;
  private final String prefix;
  private final FailMode mode;
  private final LocalLimiter fallback;
  private final ConcurrentHashMap<String, Leases> tenants = new ConcurrentHashMap<>();
  private final AtomicReference<Future<Boolean>> probing = new AtomicReference<>();
  private volatile boolean up = true;
  private volatile long lastProbe;
  private final Future<Void> ready;

  RedisLimiter(Vertx vertx, String uri, String keyPrefix, String region, FailMode mode, InstantSource wall,
      LongSupplier nanoTime) {
    this(client(vertx, uri), uri, keyPrefix, region, mode, wall, nanoTime);
  }

  /** With a given client (tests: one whose calls fail at once, as the real one's may when its connection is gone). */
  RedisLimiter(Redis redis, String uri, String keyPrefix, String region, FailMode mode, InstantSource wall,
      LongSupplier nanoTime) {
    super(region, wall, nanoTime);
    this.uri = uri;
    this.prefix = keyPrefix == null ? "" : keyPrefix;
    this.mode = mode == null ? FailMode.OPEN : mode;
    this.fallback = new LocalLimiter(region, wall, nanoTime);
    this.redis = redis;
    lastProbe = nanoTime.getAsLong();
    // connect now (a cold JVM's first connection can take longer than a call may), not on the first request
    this.ready = redis.send(Request.cmd(Command.PING)).timeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onFailure(this::down).mapEmpty();
  }

  private static Redis client(Vertx vertx, String uri) {
    RedisOptions options = new RedisOptions().setConnectionString(uri).setMaxPoolSize(8).setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(4096);
    options.getNetClientOptions().setConnectTimeout((int) TIMEOUT_MS);
    return Redis.createClient(vertx, options);
  }

  @Override
  public Future<Void> ready() {
    return ready;
  }

  /** Whether Redis is in use (false while it is unreachable and the fail mode applies). */
  boolean redisUp() {
    return up;
  }

  @Override
  public Future<Verdict> admit(Tenant tenant, String model, long tokens) {
    if (tokens < 0) throw new IllegalArgumentException("tokens: " + tokens + " (expected: >= 0)");
    List<LimitSpec> specs = LimitSpec.of(tenant, model, region);
    if (specs.isEmpty()) return Future.succeededFuture(Verdict.UNLIMITED);
    if (!up) return Future.succeededFuture(degraded(tenant, model, tokens));
    return attempt(tenant, model, specs, tokens, 0);
  }

  private Future<Verdict> attempt(Tenant tenant, String model, List<LimitSpec> specs, long tokens, int round) {
    Leases ls = tenants.computeIfAbsent(tenant.id(), k -> new Leases());
    List<Future<Void>> refills = new ArrayList<>(0);
    Verdict v;
    synchronized (ls) {
      long nowN = nanoTime.getAsLong();
      Instant now = wall.instant();
      List<Lease> leases = ls.of(specs, nowN, now);
      for (int i = 0; round < 2 && i < specs.size(); i++) {
        LimitSpec s = specs.get(i);
        long cost = s.cost(tokens);
        Lease l = leases.get(i);
        // round 0: not again within 100 ms of a refusal from Redis (a refused tenant does not cost a round trip per
        // request); round 1: only if the last reply was not a refusal (another request's refill was too small)
        boolean denied = round == 0
            ? l.deniedWait > 0 && nowN - l.grantedAt < (s.isRate() ? Math.min(l.deniedWait, DENY_HOLD) : DENY_HOLD)
            : l.deniedWait != 0;
        if (!s.isTooLarge(cost) && l.avail < cost && !denied) {
          refills.add(refill(ls, s, l, cost - l.avail, now));
        }
      }
      if (!refills.isEmpty()) {
        v = null;
      } else {
        v = decide(specs, meters(specs, leases, nowN, now), tokens, this);
        if (v.admitted()) {
          for (int i = 0; i < specs.size(); i++) {
            Lease l = leases.get(i);
            if (l.inflight == null && l.avail < target(specs.get(i), l) / 2) refill(ls, specs.get(i), l, 1, now);
          }
        }
      }
    }
    if (v != null) return Future.succeededFuture(v);
    return Future.join(refills).transform(ar -> up ? attempt(tenant, model, specs, tokens, round + 1)
        : Future.succeededFuture(degraded(tenant, model, tokens)));
  }

  /** Fail mode: local limits, or a refusal. Probes Redis at most once a second. */
  private Verdict degraded(Tenant tenant, String model, long tokens) {
    long now = nanoTime.getAsLong();
    if (now - lastProbe >= PROBE_NANOS) probe();
    if (mode == FailMode.OPEN) return fallback.admitNow(tenant, model, tokens);
    return Verdict.refused(new Refusal(Reason.LIMITER_UNAVAILABLE, null, null, Duration.ofSeconds(1),
        "tenant '" + tenant.id() + "': its limits are shared through Redis, which cannot be reached; retry in 1 s"),
        List.of(), List.of());
  }

  /** Pings Redis (one probe at a time; a second call joins it): true when it answers, and Redis is in use again. */
  Future<Boolean> probe() {
    Promise<Boolean> p = Promise.promise();
    if (!probing.compareAndSet(null, p.future())) {
      Future<Boolean> current = probing.get();
      return current != null ? current : probe();
    }
    lastProbe = nanoTime.getAsLong();
    redis.send(Request.cmd(Command.PING)).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.succeeded() && !up) {
        tenants.values().forEach(Leases::clear);
        up = true;
        LOG.info("tenant limiter: Redis at " + uri + " is back: limits shared again");
      }
      probing.set(null);
      p.complete(ar.succeeded());
    });
    return p.future();
  }

  private void down(Throwable cause) {
    if (!up) return;
    up = false;
    lastProbe = nanoTime.getAsLong();
    LOG.warning("tenant limiter: Redis at " + uri + " unreachable (" + cause + "); fail mode " + mode
        + (mode == FailMode.OPEN ? ": local limits at the share of region '" + region + "' until it is back"
            : ": limited requests refused until it is back"));
  }

  /** Takes more of the limit from Redis into the lease (joins the refill in flight, if any). */
  private Future<Void> refill(Leases ls, LimitSpec s, Lease l, long need, Instant now) {
    if (l.inflight != null) return l.inflight;
    long want = Math.max(target(s, l), need);
    String period = s.isRate() ? null : s.periodId(now);
    Future<Response> reply = s.isRate()
        ? eval(RedisScripts.RATE, RedisScripts.RATE_SHA, key(s, null), Double.toString(s.interval() / 1000),
            Double.toString(s.burst()), Long.toString(want), Long.toString(need))
        : eval(RedisScripts.BUDGET, RedisScripts.BUDGET_SHA, key(s, period), Long.toString(s.budget()),
            Long.toString(want), Long.toString(need),
            Long.toString(s.periodEnd(now).getEpochSecond() + 86_400));
    Promise<Void> done = Promise.promise();
    l.inflight = done.future();
    reply.timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
      synchronized (ls) {
        l.inflight = null;
        if (ar.succeeded()) {
          Response r = ar.result();
          long granted = r.get(0).toLong();
          if (s.isRate() || period.equals(l.period)) l.avail += granted;
          l.grantedAt = nanoTime.getAsLong();
          l.remoteLeft = r.get(1).toLong();
          l.deniedWait = granted == 0 ? r.get(2).toLong() * 1_000_000 : 0;
          l.remoteReset = r.get(3).toLong() * 1_000_000;
        }
      }
      if (ar.failed()) down(ar.cause());
      done.complete();
    });
    // not l.inflight: a call that fails at once (a closed connection) has completed and cleared it already
    return done.future();
  }

  /** EVALSHA, or EVAL when Redis does not have the script yet (it keeps it then). */
  private Future<Response> eval(String script, String sha, String key, String... args) {
    Request r = Request.cmd(Command.EVALSHA).arg(sha).arg(1).arg(key);
    for (String a : args) r.arg(a);
    return redis.send(r).recover(err -> {
      if (err.getMessage() == null || !err.getMessage().contains("NOSCRIPT")) return Future.failedFuture(err);
      Request e = Request.cmd(Command.EVAL).arg(script).arg(1).arg(key);
      for (String a : args) e.arg(a);
      return redis.send(e);
    });
  }

  String key(LimitSpec s, String period) {
    String k = prefix + s.tenant() + ":" + s.name() + (period != null ? ":" + period : "");
    return s.share() < 1 ? k + "@" + region : k;
  }

  /** The lease size this limit aims at (see the class comment). */
  static long target(LimitSpec s, Lease l) {
    double base;
    double cap;
    if (s.isRate()) {
      base = Math.min(s.burst() / 10, s.perSecond() * 0.05);
      cap = s.burst() / 2;
    } else {
      base = s.budget() / 1000.0;
      cap = s.budget() / 50.0;
    }
    double t = Math.min(Math.max(base, 4 * l.meanCost), cap);
    return Math.max(1, (long) Math.floor(t));
  }

  @Override
  public void refund(Verdict verdict) {
    if (verdict == null) return;
    if (verdict.receipt().owner == fallback) {
      fallback.refund(verdict);
      return;
    }
    if (verdict.receipt().owner != this || !verdict.receipt().claim()) return;
    List<Charge> charges = verdict.receipt().charges;
    Leases ls = tenants.get(charges.get(0).spec().tenant());
    if (ls == null) return;
    synchronized (ls) {
      for (Charge c : charges) {
        Lease l = ls.leases.get(c.spec().name());
        if (l != null && (c.period() == null || c.period().equals(l.period))) l.avail += c.amount();
      }
    }
  }

  @Override
  public List<LimitState> state(Tenant tenant) {
    if (!up && mode == FailMode.OPEN) return fallback.state(tenant);
    List<LimitSpec> specs = LimitSpec.all(tenant, region);
    if (specs.isEmpty()) return List.of();
    Leases ls = tenants.computeIfAbsent(tenant.id(), k -> new Leases());
    synchronized (ls) {
      long nowN = nanoTime.getAsLong();
      Instant now = wall.instant();
      return states(meters(specs, ls.of(specs, nowN, now), nowN, now));
    }
  }

  /** Returns every unused lease to Redis, then closes the client. */
  @Override
  public void close() {
    List<Future<Response>> returns = new ArrayList<>();
    if (up) {
      Instant now = wall.instant();
      for (Leases ls : tenants.values()) {
        synchronized (ls) {
          for (Lease l : ls.leases.values()) {
            if (l.avail <= 0 || l.spec == null) continue;
            LimitSpec s = l.spec;
            returns.add(s.isRate()
                ? eval(RedisScripts.RATE, RedisScripts.RATE_SHA, key(s, null), Double.toString(s.interval() / 1000),
                    Double.toString(s.burst()), Long.toString(-l.avail), "0")
                : eval(RedisScripts.BUDGET, RedisScripts.BUDGET_SHA, key(s, l.period), Long.toString(s.budget()),
                    Long.toString(-l.avail), "0", Long.toString(s.periodEnd(now).getEpochSecond() + 86_400)));
            l.avail = 0;
          }
        }
      }
    }
    Future.join(returns).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> redis.close());
  }

  /** The meters over the leases: a lease conforms when it holds the cost. */
  private List<Meter> meters(List<LimitSpec> specs, List<Lease> leases, long nowN, Instant now) {
    List<Meter> out = new ArrayList<>(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      LimitSpec s = specs.get(i);
      Lease l = leases.get(i);
      out.add(new Meter() {
        @Override
        public long waitNanos(long cost) {
          if (l.avail >= cost) return 0;
          long toPeriodEnd = Duration.between(now, s.periodEnd(now)).toNanos();
          if (!s.isRate()) return Math.max(1, toPeriodEnd);
          long wait = l.deniedWait > 0 ? l.deniedWait - (nowN - l.grantedAt)
              : Math.round((cost - l.avail) * s.interval());
          return Math.max(1_000_000, wait);
        }

        @Override
        public void charge(long cost) {
          l.avail -= cost;
          l.meanCost = l.meanCost == 0 ? cost : 0.8 * l.meanCost + 0.2 * cost;
        }

        @Override
        public String period() {
          return l.period;
        }

        @Override
        public LimitState state() {
          long quota = s.quota();
          long left = l.remoteLeft < 0 ? quota : Math.min(quota, l.remoteLeft + l.avail);
          long reset = s.isRate() ? Math.max(0, l.remoteReset - (nowN - l.grantedAt))
              : Duration.between(now, s.periodEnd(now)).toNanos();
          return new LimitState(s.name(), s.model(), s.kind(), quota, left,
              Duration.ofNanos(reset), s.windowSeconds(now), s.shadow());
        }
      });
    }
    return out;
  }
}
