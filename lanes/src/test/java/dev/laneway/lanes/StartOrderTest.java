package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which lanes a process waits for before ready: a pure choice over the topology. */
class StartOrderTest {
  static final Topology DEFAULT = TopologyLoader.embeddedDefault();

  static List<String> ids(List<LaneSpec> specs) {
    return specs.stream().map(LaneSpec::id).toList();
  }

  @Test
  void later_isTheSpecialisedLaneWhoseVariantsGeneralLanesAlsoServe() {
    assertEquals(List.of("hk-npu"), ids(StartOrder.later(DEFAULT, DEFAULT.lanes(), false)));
  }

  @Test
  void later_isNothing_whenNoGeneralLaneServesTheVariants() {
    List<LaneSpec> specialisedOnly = DEFAULT.lanes().stream()
        .filter(s -> s.laneClass() == LaneClass.SPECIALISED).toList();
    assertEquals(List.of(), ids(StartOrder.later(DEFAULT, specialisedOnly, false)),
        "a node serving only a specialised lane waits for it: its int8 variants have no other warm lane");
  }
}
