package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.laneway.executor.ExecutorConfig;
import dev.laneway.executor.Priority;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedded default's NPU lane (a CPU stand-in here) on the real int8 models. */
class LocalLaneTest {
  @Test
  void executorConfig_carriesTheLanesBatchingProfile() {
    LaneSpec npu = TopologyLoader.embeddedDefault().lane("hk-npu");
    ExecutorConfig c = LocalLane.executorConfig(npu);
    assertEquals(List.of(32, 64, 128), c.batching().staticSequenceLengths());
    assertEquals(Duration.ZERO, c.batching().maxQueueDelay().get(Priority.INTERACTIVE));
    assertEquals(npu.batching().maxQueueSize(), c.maxQueueSize());
  }

  @Test
  void textLongerThanTheStaticShapes_isAClientError_notRetriedElsewhere() throws Exception {
    Topology t = TopologyLoader.embeddedDefault();
    try (LocalLane lane = LocalLane.start(t.lane("hk-npu"), t)) {
      ModelSpec m = t.model("all-minilm-l6-v2").orElseThrow();
      LaneCall tooLong = new LaneCall(m, m.variant("int8").orElseThrow(), List.of("word ".repeat(200)),
          Long.MAX_VALUE, "interactive");
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> lane.infer(tooLong).get(10, TimeUnit.SECONDS));
      LaneException.InvalidInput invalid = assertInstanceOf(LaneException.InvalidInput.class, e.getCause());
      assertFalse(invalid.retryElsewhere());
      LaneCall fine = new LaneCall(m, m.variant("int8").orElseThrow(), List.of("a short one", "and another"),
          Long.MAX_VALUE, "standard");
      assertEquals(384, lane.infer(fine).get(10, TimeUnit.SECONDS).vectors()[1].length);
      assertEquals(0, lane.inFlight());
    }
  }
}
