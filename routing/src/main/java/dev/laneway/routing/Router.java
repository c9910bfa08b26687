package dev.laneway.routing;

import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides which lanes may serve a request, in order. The first rule (GPU-first): general lanes that have the
 * requested variant, those in the client's region first, then the others by declared round-trip time. The routing
 * issue adds the policy file, selectors, tenants, residency and specialised lanes.
 *
 * <p>Pure: the same inputs give the same decision; safe from any thread.
 */
public final class Router {
  static final String GPU_FIRST = "default: general lanes, client's region first";

  private final Topology topology;

  private Router(Topology topology) {
    this.topology = topology;
  }

  public static Router create(Topology topology) {
    return new Router(topology);
  }

  /** The model and variant a request names, checked; throws the typed {@link RoutingException} when unknown. */
  public VariantSpec resolve(String model, String version) {
    ModelSpec m = topology.model(model)
        .orElseThrow(() -> new RoutingException.UnknownModel("unknown model '" + model + "'"));
    String v = version == null || version.isEmpty() ? m.defaultVariant() : version;
    return m.variant(v).orElseThrow(() -> new RoutingException.UnknownVersion(
        "unknown version '" + v + "' of model '" + model + "' (has " + m.variants().stream().map(VariantSpec::name).toList() + ")"));
  }

  public Decision decide(RouteRequest request, LaneHealth health) {
    VariantSpec variant = resolve(request.model(), request.version());
    List<Candidate> candidates = new ArrayList<>();
    List<Skip> skipped = new ArrayList<>();
    List<LaneSpec> ordered = new ArrayList<>(topology.lanes());
    ordered.sort(Comparator.comparing((LaneSpec l) -> topology.rtt(request.clientRegion(), l.region())));
    boolean betterLaneDown = false;
    for (LaneSpec lane : ordered) {
      if (lane.laneClass() != dev.laneway.topology.LaneClass.GENERAL) {
        skipped.add(new Skip(lane.id(), "specialised lane: not asked for by the policy"));
        continue;
      }
      if (!Topology.admits(lane, variant)) {
        skipped.add(new Skip(lane.id(), "variant " + variant.name() + " not admitted to " + lane.laneClass().name().toLowerCase(java.util.Locale.ROOT) + " lanes"));
        continue;
      }
      String down = health.unavailableReason(lane.id());
      if (down != null) {
        skipped.add(new Skip(lane.id(), down));
        betterLaneDown = true;
        continue;
      }
      boolean degraded = !candidates.isEmpty() || betterLaneDown;
      candidates.add(new Candidate(lane.id(), lane.region(), variant.name(), degraded));
    }
    return new Decision(GPU_FIRST, request.model(), variant.name(), candidates, skipped);
  }
}
