package dev.laneway.lanes;

import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.VariantSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Which lanes a process waits for before it is ready, and which join after: readiness needs a warm lane for every
 * model variant, not every lane. A local specialised lane whose every variant a general lane of the process also
 * serves only adds capacity (and admission's calibration, which may measure both variants of each model), so it starts
 * once the others are warm, one such lane at a time on one thread, and joins when warm. A pure choice over the
 * topology, and the thread that runs the joins.
 */
final class StartOrder {
  static final Logger LOG = Logger.getLogger(StartOrder.class.getName());

  private StartOrder() {}

  /**
   * The lanes of {@code specs} that may join later: local (not served through {@code remote}) specialised lanes with
   * devices whose every variant a general lane among {@code specs} also serves.
   */
  static List<LaneSpec> later(Topology topology, List<LaneSpec> specs, boolean remoteFactory) {
    List<LaneSpec> general = specs.stream().filter(s -> s.laneClass() == LaneClass.GENERAL).toList();
    List<LaneSpec> out = new ArrayList<>();
    for (LaneSpec s : specs) {
      if (s.laneClass() != LaneClass.SPECIALISED || s.devices().isEmpty() || s.isRemote() && remoteFactory) continue;
      boolean covered = true;
      for (ModelSpec m : topology.models()) {
        for (VariantSpec v : m.variants()) {
          if (Topology.admits(s, v) && general.stream().noneMatch(g -> Topology.admits(g, v))) covered = false;
        }
      }
      if (covered) out.add(s);
    }
    return List.copyOf(out);
  }

  /** Starts {@code lanes} one after the other on one daemon thread; each joins when {@code start} returns it warm. */
  static void joinInOrder(List<JoiningLane> lanes, Function<LaneSpec, Lane> start) {
    if (lanes.isEmpty()) return;
    Thread.ofPlatform().name("laneway-join").daemon(true).start(() -> {
      for (JoiningLane j : lanes) {
        long t0 = System.nanoTime();
        if (!j.run(() -> start.apply(j.spec()))) continue; // closed first: the process is stopping
        LOG.info("lane " + j.id() + " " + j.state() + " after ready, in " + (System.nanoTime() - t0) / 1_000_000
            + " ms (admitted and warmed after the general lanes)");
      }
    });
  }
}
