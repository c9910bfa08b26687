package dev.laneway.gateway.pipeline;

import dev.laneway.topology.Cidr;
import dev.laneway.topology.Region;
import dev.laneway.topology.Topology;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a caller is: an explicit region (request parameter or {@code x-laneway-region} header) if given, else the
 * first region whose CIDR ranges contain the client address, else the gateway's own region.
 */
public final class ClientRegion {
  private record Range(Cidr cidr, String region) {}

  private final List<Range> ranges = new ArrayList<>();
  private final Topology topology;

  public ClientRegion(Topology topology) {
    this.topology = topology;
    for (Region r : topology.regions()) {
      for (String c : r.cidrs()) ranges.add(new Range(Cidr.parse(c), r.id()));
    }
  }

  public String resolve(String explicit, String remoteAddress) {
    if (explicit != null && !explicit.isBlank()) {
      if (topology.regions().stream().noneMatch(r -> r.id().equals(explicit))) {
        throw new GatewayException.BadRequest("region: unknown '" + explicit + "' (expected: one of "
            + topology.regions().stream().map(Region::id).toList() + ")");
      }
      return explicit;
    }
    if (remoteAddress != null && remoteAddress.matches("[0-9a-fA-F:.]+")) {
      try {
        InetAddress a = InetAddress.getByName(remoteAddress);
        for (Range r : ranges) {
          if (r.cidr().contains(a)) return r.region();
        }
      } catch (UnknownHostException ignored) {
        // a literal that does not parse: fall through to the gateway's region
      }
    }
    return topology.localRegion();
  }
}
