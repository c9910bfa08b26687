package dev.laneway.gateway.pipeline;

import dev.laneway.routing.Match;
import dev.laneway.routing.Rule;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.routing.Selector;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An executor node's routing: none of its own. A request that names a lane (the {@code lane} request parameter, which
 * {@link InferenceService#call} turns into the {@value #LANE_HEADER} header) is served by exactly that lane; any other
 * request by the node's own lanes (a plain OIP client, a probe). Open: the gateway authenticated the caller already,
 * and residency was decided there.
 */
public final class NodePolicy {
  static final String LANE_HEADER = "x-laneway-lane";

  private NodePolicy() {}

  /**
   * The node's lanes: those of {@code region} that declare {@code remote} (the gateway reaches them at this node) and
   * have devices. A lane without {@code remote} is served inside the gateway, not by a node.
   */
  public static boolean serves(LaneSpec lane, String region) {
    return lane.region().equals(region) && lane.isRemote() && !lane.devices().isEmpty();
  }

  public static RoutingPolicy of(Topology topology, String region) {
    List<Rule> rules = new ArrayList<>();
    for (LaneSpec l : topology.lanes()) {
      if (!serves(l, region)) continue;
      rules.add(new Rule("lane-" + l.id(), new Match(null, null, null, null, null, Map.of(LANE_HEADER, l.id())),
          List.of(Selector.lane(l.id())), null));
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("--region " + region + ": no lane of region '" + region
          + "' declares remote and devices in " + topology.source() + " (a node serves its region's remote lanes)");
    }
    rules.add(new Rule("node-" + region, Match.ANY, List.of(Selector.of("any", region)), null));
    return new RoutingPolicy(false, List.of(), rules, "node policy (region " + region + ")");
  }
}
