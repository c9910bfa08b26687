package dev.laneway.gateway.tenants;

import dev.laneway.gateway.tenants.Verdict.Charge;
import dev.laneway.gateway.tenants.Verdict.Kind;
import dev.laneway.gateway.tenants.Verdict.LimitState;
import dev.laneway.routing.Tenant;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The limiter of one process ({@link TenantLimiter#local}): every limit's state in memory, decided synchronously
 * ({@link #admitNow}). Also the fallback of a Redis-backed limiter in fail mode {@code open}.
 *
 * <p>State: per tenant id, a {@link Cell} (a map from limit name to its state) guarded by its own monitor; the map of
 * cells is a {@link ConcurrentHashMap}. A rate's state is its GCRA theoretical arrival time (TAT, on the monotonic
 * clock) and the emission interval it was computed with; a budget's is its period's id and the tokens used in it.
 * Cells are never dropped (one per tenant ever seen, a few hundred bytes each).
 */
public final class LocalLimiter extends TenantLimiter {
  private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();

  LocalLimiter(String region, InstantSource wall, LongSupplier nanoTime) {
    super(region, wall, nanoTime);
  }

  @Override
  public Future<Verdict> admit(Tenant tenant, String model, long tokens) {
    return Future.succeededFuture(admitNow(tenant, model, tokens));
  }

  /** {@link #admit}, decided on the caller's thread. */
  public Verdict admitNow(Tenant tenant, String model, long tokens) {
    if (tokens < 0) throw new IllegalArgumentException("tokens: " + tokens + " (expected: >= 0)");
    List<LimitSpec> specs = LimitSpec.of(tenant, model, region);
    if (specs.isEmpty()) return Verdict.UNLIMITED;
    Cell cell = cells.computeIfAbsent(tenant.id(), k -> new Cell());
    synchronized (cell) {
      return decide(specs, cell.meters(specs, nanoTime.getAsLong(), wall.instant()), tokens, this);
    }
  }

  @Override
  public void refund(Verdict verdict) {
    if (verdict == null || verdict.receipt().owner != this || !verdict.receipt().claim()) return;
    List<Charge> charges = verdict.receipt().charges;
    Cell cell = cells.get(charges.get(0).spec().tenant());
    if (cell == null) return;
    synchronized (cell) {
      for (Charge c : charges) {
        Object st = cell.states.get(c.spec().name());
        if (st instanceof RateState r) r.refund(c.amount());
        if (st instanceof BudgetState b) b.refund(c.amount(), c.period());
      }
    }
  }

  @Override
  public List<LimitState> state(Tenant tenant) {
    List<LimitSpec> specs = LimitSpec.all(tenant, region);
    if (specs.isEmpty()) return List.of();
    Cell cell = cells.computeIfAbsent(tenant.id(), k -> new Cell());
    synchronized (cell) {
      return states(cell.meters(specs, nanoTime.getAsLong(), wall.instant()));
    }
  }

  @Override
  public void close() {}

  /** One tenant's limits: limit name to {@link RateState} or {@link BudgetState}. Guarded by its monitor. */
  static final class Cell {
    final Map<String, Object> states = new HashMap<>(8);

    /** The meters of these limits at these instants, their state adapted to the limits' current parameters. */
    List<Meter> meters(List<LimitSpec> specs, long nowNanos, Instant now) {
      List<Meter> out = new ArrayList<>(specs.size());
      for (LimitSpec s : specs) {
        Object st = states.get(s.name());
        if (s.isRate()) {
          RateState r = st instanceof RateState x ? x : new RateState(s.interval(), nowNanos);
          states.put(s.name(), r);
          r.adapt(s, nowNanos);
          out.add(r.meter(s, nowNanos));
        } else {
          BudgetState b = st instanceof BudgetState x ? x : new BudgetState();
          states.put(s.name(), b);
          b.roll(s, now);
          out.add(b.meter(s, now));
        }
      }
      return out;
    }
  }

  /** GCRA: the theoretical arrival time of the next unit, and the emission interval (ns per unit) it was kept at. */
  static final class RateState {
    long tat;
    double interval;

    RateState(double interval, long now) {
      this.interval = interval;
      this.tat = now;
    }

    /** A reload changed the rate: keep the units used (the debt beyond now), at the new interval. */
    void adapt(LimitSpec s, long now) {
      double i = s.interval();
      if (i == interval) return;
      if (tat > now) tat = now + Math.round((tat - now) * (i / interval));
      interval = i;
    }

    void refund(long units) {
      tat -= Math.round(units * interval);
    }

    Meter meter(LimitSpec s, long now) {
      return new Meter() {
        @Override
        public long waitNanos(long cost) {
          long next = Math.max(tat, now) + Math.round(cost * interval);
          return Math.max(0, next - Math.round(s.burst() * interval) - now);
        }

        @Override
        public void charge(long cost) {
          tat = Math.max(tat, now) + Math.round(cost * interval);
        }

        @Override
        public String period() {
          return null;
        }

        @Override
        public LimitState state() {
          long debt = Math.max(0, tat - now);
          long remaining = (long) Math.floor(s.burst() - debt / interval + 1e-6);
          return new LimitState(s.name(), s.model(), s.kind(), s.quota(), Math.max(0, remaining),
              Duration.ofNanos(debt), s.windowSeconds(null), s.shadow());
        }
      };
    }
  }

  /** A budget: the id of the period being counted, and the tokens used in it. */
  static final class BudgetState {
    String period;
    long used;

    /** A new UTC day or month starts from nothing. */
    void roll(LimitSpec s, Instant now) {
      String id = s.periodId(now);
      if (!id.equals(period)) {
        period = id;
        used = 0;
      }
    }

    void refund(long tokens, String chargedPeriod) {
      if (chargedPeriod != null && chargedPeriod.equals(period)) used = Math.max(0, used - tokens);
    }

    Meter meter(LimitSpec s, Instant now) {
      return new Meter() {
        @Override
        public long waitNanos(long cost) {
          return used + cost <= s.budget() ? 0 : Math.max(1, Duration.between(now, s.periodEnd(now)).toNanos());
        }

        @Override
        public void charge(long cost) {
          used += cost;
        }

        @Override
        public String period() {
          return period;
        }

        @Override
        public LimitState state() {
          return new LimitState(s.name(), s.model(), Kind.BUDGET, s.budget(), Math.max(0, s.budget() - used),
              Duration.between(now, s.periodEnd(now)), s.windowSeconds(now), s.shadow());
        }
      };
    }
  }
}
