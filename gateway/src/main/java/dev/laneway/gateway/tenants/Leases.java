package dev.laneway.gateway.tenants;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One tenant's leases, by limit name; guarded by its monitor. */
final class Leases {
  final Map<String, Lease> leases = new HashMap<>(8);

  List<Lease> of(List<LimitSpec> specs, long nowN, Instant now) {
    List<Lease> out = new ArrayList<>(specs.size());
    for (LimitSpec s : specs) {
      Lease l = leases.computeIfAbsent(s.name(), k -> new Lease());
      l.spec = s;
      if (s.isRate()) {
        if (l.avail > 0 && nowN - l.grantedAt > RedisLimiter.RATE_LEASE_TTL_NANOS) l.avail = 0;
      } else {
        String p = s.periodId(now);
        if (!p.equals(l.period)) {
          l.period = p;
          l.avail = 0;
          l.remoteLeft = -1;
        }
      }
      out.add(l);
    }
    return out;
  }

  void clear() {
    synchronized (this) {
      leases.clear();
    }
  }

  /** What this gateway holds of one limit, and what Redis last said about it. */
  static final class Lease {
    LimitSpec spec;
    long avail;
    String period;
    long grantedAt;
    double meanCost;
    long remoteLeft = -1;
    long remoteReset;
    long deniedWait;
    Future<Void> inflight;
  }
}
