package dev.laneway.routing;

import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides which lanes may serve a request, in order: the first policy rule that matches gives an ordered list of
 * selectors (then its {@code then} chain); each selector's lanes are equally ranked and ordered by expected latency
 * (the lane's observed EWMA plus the declared round-trip time from the client's region). Hard constraints remove
 * lanes and are never relaxed: the tenant's residency, and the embedding space (a lane that has no variant of the
 * model is never a candidate, so bge-small-zh never lands on a MiniLM-only lane). Latency is soft: it only orders.
 *
 * <p>A snapshot of one topology and one policy: immutable, and {@link #decide} is pure (the same inputs and health
 * answers give the same decision); safe from any thread. Reload builds a new router.
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
   * candidate is reported in {@link Decision#blockedBy()} (explain shows it; dispatch turns it into an error).
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
    Rule rule = policy.rules().stream().filter(r -> r.match().matches(request, variant.name())).findFirst()
        .orElseThrow(() -> new RoutingException.NoRule("no rule of " + policy.source() + " matches model "
            + model.name() + ":" + variant.name() + ", latency class " + request.latencyClass() + ", region "
            + request.clientRegion() + ", tenant " + tenant.id()));
    Set<String> ordered = new LinkedHashSet<>();
    for (Rule r : policy.chain(rule)) {
      for (Selector s : r.lanes()) {
        List<LaneSpec> picked = new ArrayList<>(topology.lanes().stream()
            .filter(l -> selects(s, l, request.clientRegion())).filter(l -> !ordered.contains(l.id())).toList());
        picked.sort(Comparator.comparingDouble(
            l -> health.expectedLatencyMs(l.id()) + topology.rtt(request.clientRegion(), l.region()).toNanos() / 1e6));
        picked.forEach(l -> ordered.add(l.id()));
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
          skipped.add(new Skip(id, "space: lane serves no variant of " + model.name() + " (embedding space "
              + model.space() + ")"));
          space = true;
        } else {
          skipped.add(new Skip(id, "not admitted: variant " + variant.name() + " does not run on " + cls + " lanes"));
        }
        continue;
      }
      if (tenant.residency() != null && !tenant.residency().equals(lane.region())) {
        skipped.add(new Skip(id, "residency: tenant " + tenant.id() + " stays in " + tenant.residency()));
        residency = true;
        continue;
      }
      String refused = health.notAdmitted(id, model.name(), variant.name());
      if (refused != null) {
        skipped.add(new Skip(id, "not admitted: " + refused));
        continue;
      }
      String down = health.unavailableReason(id);
      if (down != null) {
        skipped.add(new Skip(id, down));
        betterLaneDown = true;
        continue;
      }
      candidates.add(new Candidate(id, lane.region(), variant.name(), !candidates.isEmpty() || betterLaneDown));
    }
    for (LaneSpec l : topology.lanes()) {
      if (!ordered.contains(l.id())) skipped.add(new Skip(l.id(), "not selected by rule " + rule.name()));
    }
    String blockedBy = null;
    if (candidates.isEmpty()) {
      blockedBy = residency ? "residency" : space && !betterLaneDown ? "space" : null;
    }
    return new Decision(rule.name(), model.name(), variant.name(), candidates, skipped, tenant.id(), blockedBy);
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
