package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every door is counted in laneway.requests by door and outcome; the cache has its counters and gauge. */
class DoorMetricsTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();

  @Test
  void requestsAreCountedByDoorAndOutcome_andCacheCounters() throws InterruptedException {
    String t = "metrics " + System.nanoTime();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", gw.gateway().grpcPort()).usePlaintext().build();
    try {
      Doors.grpc(channel, "all-minilm-l6-v2", List.of(t), false, Map.of());
      Doors.openAi(gw, "all-minilm-l6-v2", List.of(t), Map.of());
      Doors.rest(gw, "all-minilm-l6-v2", List.of(t), Map.of());
      gw.post("/v2/models/all-minilm-l6-v2/infer", "{\"inputs\":[]}");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    String text = gw.gateway().telemetry().prometheusText();
    for (String expected : List.of("door=\"grpc\"", "door=\"openai\"", "door=\"rest\"", "outcome=\"bad_request\"",
        "laneway_cache_hits", "laneway_cache_misses", "laneway_cache_bytes", "laneway_request_duration")) {
      assertTrue(text.contains(expected), "metrics lack " + expected);
    }
  }
}
