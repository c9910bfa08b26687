package dev.laneway.routing;

import dev.laneway.base.ModelKey;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Decides which lanes may serve a request, in order: the first policy rule that matches gives an ordered list of
 * selectors (then its {@code then} chain); each selector's lanes are equally ranked and ordered by expected completion
 * time: {@link LaneHealth#estimateMs} for the request's latency class and size, plus the declared round-trip time from
 * the client's region. Hard constraints remove lanes and are never relaxed: the tenant's residency, and the embedding
 * space (a lane that has no variant of the model is never a candidate, so bge-small-zh never lands on a MiniLM-only
 * lane). Latency is soft: it orders, and it may swap the first two candidates (spillover), never more.
 *
 * <h2>Design</h2>
 *
 * <p>Three or more lanes of one selector are ranked by power of two choices, as Envoy's least-request load balancer
 * does (after Mitzenmacher): two distinct lanes are picked at random and the one with the lower estimate goes first,
 * the rest follow sorted by estimate. Always taking the best estimate would send every request to the same lane until
 * its estimate catches up (estimates lag the queue they describe), then herd them all to the next one; two random
 * choices spread the load and still never put the worst lane first. The randomness is {@link RouteRequest#seed()}, so
 * a decision stays a pure function of its inputs.
 *
 * <p>Spillover takes the saturation-aware view of the Gateway API Inference Extension's endpoint picker, which scores
 * model servers by their queue instead of trusting a static preference: the policy's preferred lane (the first
 * candidate) keeps the request unless its expected completion time {@code ep} (estimate + round-trip time, as the
 * client sees it) breaks the class's budget {@code B} while the next candidate's {@code en} is lower, or the lane is
 * saturated: the work queued ahead of the class, {@code wp} ({@link LaneHealth#waitMs}), exceeds
 * {@code margin × qn + min_gain}, where {@code qn} is the next lane's own estimate (without the network). Then the
 * next candidate goes first and the preferred one second, both {@code degraded}, and {@link Decision#spill()} says
 * why. Spilling needs both estimates known, and the next lane better end to end ({@code en < ep}). The margin looks at
 * the queue, not the whole estimate, so a lane that is merely slower than the next (an NPU whose single batch takes
 * longer, or a remote lane the rule prefers) keeps what its policy gives it while it keeps up: only its budget or its
 * saturation overrides the choice. Because a spill
 * drains the preferred lane's queue, its estimate drops at once; without hysteresis the next request would go back,
 * refill it and spill again, flapping with every decision. So while the caller reports the lane as
 * {@link LaneHealth#spilling spilling} the class, both thresholds on its waiting are multiplied by {@code recover} (the
 * budget's as the waiting it leaves the lane, {@code B − (ep − wp)}): the lane takes the class back only once its queue
 * is well under them (a Schmitt trigger), and always once its queue is empty (unless even an idle lane breaks the
 * budget).
 *
 * <p>A snapshot of one topology and one policy: immutable, and {@link #decide} is pure (the same inputs, seed and
 * health answers give the same decision); safe from any thread, called on the caller's thread. Reload builds a new
 * router.
 */
public final class Router {
  private final Topology topology;
  private final RoutingPolicy policy;

  private Router(Topology topology, RoutingPolicy policy) {
    this.topology = topology;
    this.policy = policy;
  }

  public static Router create(Topology topology, RoutingPolicy policy) {
    return new Router(topology, policy);
  }

  /** For tests and the one-lane topology: the embedded default policy. */
  public static Router create(Topology topology) {
    return new Router(topology, PolicyLoader.embeddedDefault());
  }

  public Topology topology() {
    return topology;
  }

  public RoutingPolicy policy() {
    return policy;
  }

  /** The model and variant a request names, checked; throws the typed {@link RoutingException} when unknown. */
  public VariantSpec resolve(String model, String version) {
    ModelSpec m = topology.model(model)
        .orElseThrow(() -> new RoutingException.UnknownModel("unknown model '" + model + "'"));
    String v = version == null || version.isEmpty() ? m.defaultVariant() : version;
    return m.variant(v).orElseThrow(() -> new RoutingException.UnknownVersion(
        "unknown version '" + v + "' of model '" + model + "' (has " + m.variants().stream().map(VariantSpec::name).toList() + ")"));
  }

  /**
   * Routes one request. Throws {@link RoutingException} for an unknown model or version, a tenant that may not call
   * the model ({@code Forbidden}) and a request no rule matches ({@code NoRule}); a hard constraint that leaves no
   * candidate is reported in {@link Decision#blockedBy()} (explain shows it; dispatch turns it into an error). Pure:
   * asks {@code health} about each selected lane at most once per question and keeps nothing.
   */
  public Decision decide(RouteRequest request, LaneHealth health) {
    ModelSpec model = topology.model(request.model())
        .orElseThrow(() -> new RoutingException.UnknownModel("unknown model '" + request.model() + "'"));
    VariantSpec variant = resolve(request.model(), request.version());
    Tenant tenant = policy.tenant(request.tenant()).orElse(Tenant.ANONYMOUS);
    if (!tenant.mayCall(model.name())) {
      throw new RoutingException.Forbidden("tenant '" + tenant.id() + "' may not call model '" + model.name()
          + "' (allowed: " + tenant.models() + ")");
    }
    if (!tenant.mayUse(request.latencyClass())) {
      throw new RoutingException.Forbidden("tenant '" + tenant.id() + "' may not send latency class '"
          + request.latencyClass() + "' (allowed: " + tenant.classes() + ")");
    }
    Rule rule = policy.rules().stream().filter(r -> r.match().matches(request, variant.name())).findFirst()
        .orElseThrow(() -> new RoutingException.NoRule("no rule of " + policy.source() + " matches model "
            + ModelKey.of(model.name(), variant.name()) + ", latency class " + request.latencyClass() + ", region "
            + request.clientRegion() + ", tenant " + tenant.id()));
    // each selected lane's estimate + RTT (NaN when the lane does not know it), and its ordering key: an unknown
    // estimate orders as 0 + RTT, as an unknown EWMA did
    Map<String, Double> estimates = new HashMap<>();
    Map<String, Double> keys = new HashMap<>();
    SplittableRandom random = new SplittableRandom(request.seed());
    Set<String> ordered = new LinkedHashSet<>();
    for (Rule r : policy.chain(rule)) {
      for (Selector s : r.lanes()) {
        List<String> picked = new ArrayList<>();
        for (LaneSpec l : topology.lanes()) {
          if (!selects(s, l, request.clientRegion()) || ordered.contains(l.id())) continue;
          double rtt = millis(topology.rtt(request.clientRegion(), l.region()));
          double e = health.estimateMs(l.id(), request.latencyClass(), request.texts());
          estimates.put(l.id(), e + rtt);
          keys.put(l.id(), Double.isNaN(e) ? rtt : e + rtt);
          picked.add(l.id());
        }
        ordered.addAll(rank(picked, keys, random));
      }
    }
    List<Candidate> candidates = new ArrayList<>();
    List<Skip> skipped = new ArrayList<>();
    boolean betterLaneDown = false;
    boolean residency = false;
    boolean space = false;
    for (String id : ordered) {
      LaneSpec lane = topology.lane(id);
      if (!Topology.admits(lane, variant)) {
        String cls = lane.laneClass().name().toLowerCase(Locale.ROOT);
        if (model.variants().stream().noneMatch(v -> Topology.admits(lane, v))) {
          skipped.add(new Skip(id, Skip.Kind.SPACE, "space: lane serves no variant of " + model.name() + " (embedding space "
              + model.space() + ")"));
          space = true;
        } else {
          skipped.add(new Skip(id, Skip.Kind.NOT_ADMITTED, "not admitted: variant " + variant.name() + " does not run on " + cls + " lanes"));
        }
        continue;
      }
      if (tenant.residency() != null && !tenant.residency().equals(lane.region())) {
        skipped.add(new Skip(id, Skip.Kind.RESIDENCY, "residency: tenant " + tenant.id() + " stays in " + tenant.residency()));
        residency = true;
        continue;
      }
      String refused = health.notAdmitted(id, model.name(), variant.name());
      if (refused != null) {
        skipped.add(new Skip(id, Skip.Kind.NOT_ADMITTED, "not admitted: " + refused));
        continue;
      }
      String drifted = health.drift(id, model.name(), variant.name());
      if (drifted != null) {
        skipped.add(new Skip(id, Skip.Kind.DRIFT, "drift: " + drifted));
        betterLaneDown = true;
        continue;
      }
      String down = health.unavailableReason(id);
      if (down != null) {
        skipped.add(new Skip(id, Skip.Kind.UNAVAILABLE, down));
        betterLaneDown = true;
        continue;
      }
      candidates.add(new Candidate(id, lane.region(), variant.name(), !candidates.isEmpty() || betterLaneDown,
          estimates.get(id)));
    }
    Spill spill = spill(candidates, request, health);
    if (spill != null) {
      Candidate from = candidates.get(0);
      candidates.set(0, candidates.get(1));
      candidates.set(1, new Candidate(from.lane(), from.region(), from.variant(), true, from.estimateMs()));
    }
    for (LaneSpec l : topology.lanes()) {
      if (!ordered.contains(l.id())) skipped.add(new Skip(l.id(), Skip.Kind.NOT_SELECTED, "not selected by rule " + rule.name()));
    }
    String blockedBy = null;
    if (candidates.isEmpty()) {
      blockedBy = residency ? "residency" : space && !betterLaneDown ? "space" : null;
    }
    return new Decision(rule.name(), model.name(), variant.name(), candidates, skipped, tenant.id(), blockedBy, spill);
  }

  /**
   * Equally ranked lanes in order: sorted by key (estimate + RTT), and with three or more, power of two choices first:
   * of two distinct lanes picked at random, the one with the lower key (the first picked on a tie) leads, the others
   * follow sorted. The sort is stable, so equal keys keep the topology's order.
   */
  static List<String> rank(List<String> lanes, Map<String, Double> keys, SplittableRandom random) {
    List<String> sorted = new ArrayList<>(lanes);
    sorted.sort(Comparator.comparingDouble(keys::get));
    if (lanes.size() < 3) return sorted;
    int i = random.nextInt(lanes.size());
    int j = random.nextInt(lanes.size() - 1);
    if (j >= i) j++;
    String a = lanes.get(i);
    String b = lanes.get(j);
    String first = keys.get(b) < keys.get(a) ? b : a;
    sorted.remove(first);
    sorted.add(0, first);
    return sorted;
  }

  /**
   * Whether the first candidate spills to the second, and why; null when it keeps the request. See the class comment
   * for the rule.
   */
  private Spill spill(List<Candidate> candidates, RouteRequest request, LaneHealth health) {
    Spillover config = policy.spillover();
    if (!config.enabled() || candidates.size() < 2) return null;
    String latencyClass = request.latencyClass();
    Candidate p = candidates.get(0);
    Candidate n = candidates.get(1);
    double ep = p.estimateMs();
    double en = n.estimateMs();
    if (Double.isNaN(ep) || Double.isNaN(en) || !(en < ep)) return null;
    double qp = ep - millis(topology.rtt(request.clientRegion(), p.region()));
    double qn = en - millis(topology.rtt(request.clientRegion(), n.region()));
    double known = health.waitMs(p.lane(), latencyClass);
    double wp = Double.isNaN(known) ? qp : Math.min(qp, Math.max(0, known));
    Duration budget = policy.latencyBudget(latencyClass);
    // the waiting the budget leaves the preferred lane: its estimate breaks the budget exactly when wp exceeds this
    double headroom = millis(budget) - (ep - wp);
    double marginWait = config.margin() * qn + millis(config.minGain());
    boolean spilling = health.spilling(p.lane(), latencyClass);
    double s = spilling ? config.recover() : 1.0;
    String hysteresis = spilling ? " (spilling: thresholds × " + config.recover() + ")" : "";
    String waiting = Double.isNaN(known) ? "lane estimate " : "queued ";
    String reason;
    if (wp > s * headroom) {
      reason = !spilling || Double.isNaN(known)
          ? "estimate " + ms(ep) + " breaks the " + latencyClass + " budget of " + ms(budget) + " (next: " + ms(en)
              + ")" + hysteresis
          : "queued " + ms(wp) + " exceeds " + config.recover() + " × the " + ms(Math.max(0, headroom))
              + " of waiting the " + latencyClass + " budget of " + ms(budget) + " leaves (next: " + ms(en) + ")"
              + hysteresis;
    } else if (wp > s * marginWait) {
      reason = waiting + ms(wp) + " exceeds " + config.margin() + " × next " + ms(qn) + " + " + ms(config.minGain())
          + hysteresis;
    } else {
      return null;
    }
    return new Spill(p.lane(), n.lane(), reason, ep, en);
  }


  private static double millis(Duration d) {
    return d.toNanos() / 1e6;
  }

  /** An estimate: {@code 83.0 ms}. */
  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f ms", v);
  }

  /** A configured duration: {@code 50 ms}, {@code 0.5 ms}. */
  private static String ms(Duration d) {
    return BigDecimal.valueOf(d.toNanos(), 6).stripTrailingZeros().toPlainString() + " ms";
  }

  private static boolean selects(Selector s, LaneSpec lane, String clientRegion) {
    if (s.lane() != null) return s.lane().equals(lane.id());
    String cls = lane.laneClass().name().toLowerCase(Locale.ROOT);
    if (!s.laneClass().equals("any") && !s.laneClass().equals(cls)) return false;
    return switch (s.region()) {
      case "any" -> true;
      case "client" -> lane.region().equals(clientRegion);
      case "other" -> !lane.region().equals(clientRegion);
      default -> lane.region().equals(s.region());
    };
  }
}
