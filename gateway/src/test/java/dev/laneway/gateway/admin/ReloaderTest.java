package dev.laneway.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.laneway.topology.Link;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReloaderTest {
  final Topology t = TopologyLoader.embeddedDefault();

  Topology with(List<Link> links, String localRegion) {
    return new Topology(localRegion, t.regions(), links, t.devices(), t.lanes(), t.models(), "new");
  }

  @Test
  void differs_allowsLinksOnly() {
    assertNull(Reloader.differs(t, with(List.of(new Link("hk", "intl", Duration.ofMillis(90))), "hk")));
    assertEquals("local_region changed", Reloader.differs(t, with(t.links(), "intl")));
    Topology fewerLanes = new Topology("hk", t.regions(), t.links(), t.devices(), t.lanes().subList(0, 2), t.models(), "x");
    assertEquals("lanes changed", Reloader.differs(t, fewerLanes));
  }
}
