package dev.laneway.topology;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole declared world, checked as a whole: ids are unique and every reference resolves.
 *
 * @param localRegion the region this process is in (the client region when nothing else says)
 * @param source where it came from, for messages ({@code embedded default} or a file path)
 * @param tlsRequired {@code tls_required: true}: the gateway refuses to run with plaintext listeners or a remote lane
 *     without {@code tls} (as {@code --tls-required} does); default false
 */
public record Topology(
    String localRegion,
    List<Region> regions,
    List<Link> links,
    List<Device> devices,
    List<LaneSpec> lanes,
    List<ModelSpec> models,
    String source,
    boolean tlsRequired) {
  /** Without {@code tls_required}. */
  public Topology(String localRegion, List<Region> regions, List<Link> links, List<Device> devices,
      List<LaneSpec> lanes, List<ModelSpec> models, String source) {
    this(localRegion, regions, links, devices, lanes, models, source, false);
  }

  public Topology {
    regions = Checks.list(regions);
    links = Checks.list(links);
    devices = Checks.list(devices);
    lanes = Checks.list(lanes);
    models = Checks.list(models);
    if (source == null) {
      source = "topology";
    }
    if (regions.isEmpty()) throw new IllegalArgumentException("regions: empty (expected: at least one region)");
    if (lanes.isEmpty()) throw new IllegalArgumentException("lanes: empty (expected: at least one lane)");
    if (models.isEmpty()) throw new IllegalArgumentException("models: empty (expected: at least one model)");
    Checks.unique("regions", regions.stream().map(Region::id).toList());
    Checks.unique("devices", devices.stream().map(Device::id).toList());
    Checks.unique("lanes", lanes.stream().map(LaneSpec::id).toList());
    Checks.unique("models", models.stream().map(ModelSpec::name).toList());
    Set<String> regionIds = new HashSet<>(regions.stream().map(Region::id).toList());
    if (localRegion == null) {
      localRegion = regions.get(0).id();
    }
    if (!regionIds.contains(localRegion)) {
      throw new IllegalArgumentException("local_region: '" + localRegion + "' (expected: one of " + regionIds + ")");
    }
    for (int i = 0; i < links.size(); i++) {
      Link l = links.get(i);
      ref("links[" + i + "].from", l.from(), regionIds);
      ref("links[" + i + "].to", l.to(), regionIds);
    }
    for (int i = 0; i < devices.size(); i++) {
      ref("devices[" + i + "].region", devices.get(i).region(), regionIds);
    }
    for (int i = 0; i < lanes.size(); i++) {
      LaneSpec lane = lanes.get(i);
      ref("lanes[" + i + "].region", lane.region(), regionIds);
      for (int j = 0; j < lane.devices().size(); j++) {
        String d = lane.devices().get(j);
        String field = "lanes[" + i + "].devices[" + j + "]";
        Device device =
            devices.stream()
                .filter(x -> x.id().equals(d))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(field + ": unknown device '" + d + "'"));
        if (!device.region().equals(lane.region())) {
          throw new IllegalArgumentException(
              field + ": device '" + d + "' is in region '" + device.region() + "', the lane in '" + lane.region()
                  + "' (expected: devices of the lane's own region)");
        }
      }
    }
  }

  private static void ref(String field, String id, Set<String> known) {
    if (!known.contains(id)) {
      throw new IllegalArgumentException(field + ": unknown region '" + id + "' (expected: one of " + known + ")");
    }
  }

  public LaneSpec lane(String id) {
    return lanes.stream().filter(l -> l.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("lane: unknown '" + id + "'"));
  }

  public Device device(String id) {
    return devices.stream().filter(d -> d.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("device: unknown '" + id + "'"));
  }

  public Optional<ModelSpec> model(String name) {
    return models.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** Declared round-trip time between two regions; zero within a region or when undeclared. */
  public Duration rtt(String a, String b) {
    if (a.equals(b)) return Duration.ZERO;
    for (Link l : links) {
      if ((l.from().equals(a) && l.to().equals(b)) || (l.from().equals(b) && l.to().equals(a))) {
        return l.rtt();
      }
    }
    return Duration.ZERO;
  }

  /** Whether a variant may run on a lane of this class. */
  public static boolean admits(LaneSpec lane, VariantSpec variant) {
    return variant.laneClasses().contains(lane.laneClass());
  }
}
