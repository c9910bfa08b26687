package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every door is counted in laneway.requests by door and outcome; the cache has its counters and gauge. The gateway
 * (and its registry) is shared by the whole run, so each count is the exact change from a scrape before this test's
 * own requests: one per door, one bad request, one miss and two hits for the one text the three doors ask for.
 */
class DoorMetricsTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();
  static final String REQUESTS = "laneway_requests_total";
  static final String MINILM = "model=\"all-minilm-l6-v2\"";

  @Test
  void requestsAreCountedByDoorAndOutcome_andCacheCounters() throws InterruptedException {
    String t = "metrics " + System.nanoTime();
    String before = gw.gateway().telemetry().prometheusText();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", gw.gateway().grpcPort()).usePlaintext().build();
    try {
      Doors.grpc(channel, "all-minilm-l6-v2", List.of(t), false, Map.of()); // computes t: a miss
      Doors.openAi(gw, "all-minilm-l6-v2", List.of(t), Map.of()); // a hit
      Doors.rest(gw, "all-minilm-l6-v2", List.of(t), Map.of()); // a hit
      assertEquals(400, gw.post("/v2/models/all-minilm-l6-v2/infer", "{\"inputs\":[]}").statusCode());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // a door may write its answer before the pipeline's completion stage has counted it: wait for the counts (4
    // requests), then every delta is exact
    Await.until(() -> delta(before, REQUESTS) >= 4, Duration.ofSeconds(10), "the four requests are counted");
    String after = gw.gateway().telemetry().prometheusText();
    String why = "before:\n" + grep(before) + "\nafter:\n" + grep(after);
    assertEquals(4, Samples.delta(before, after, REQUESTS), why);
    for (String door : List.of("grpc", "openai", "rest")) {
      assertEquals(1, Samples.delta(before, after, REQUESTS, "door=\"" + door + "\"", MINILM, "outcome=\"ok\""),
          door + " counts its answer: " + why);
      assertEquals(1, Samples.delta(before, after, "laneway_texts_total", "door=\"" + door + "\"", MINILM), door);
    }
    assertEquals(1, Samples.delta(before, after, REQUESTS, "door=\"rest\"", "outcome=\"bad_request\""), why);
    assertEquals(4, Samples.delta(before, after, "laneway_request_duration_seconds_count"), why);
    assertEquals(1, Samples.delta(before, after, "laneway_cache_misses_total", MINILM, "variant=\"fp32\""), why);
    assertEquals(2, Samples.delta(before, after, "laneway_cache_hits_total", MINILM, "variant=\"fp32\""), why);
    Await.until(() -> Samples.sum(gw.gateway().telemetry().prometheusText(), "laneway_cache_bytes")
        >= Samples.sum(before, "laneway_cache_bytes") + 384 * Float.BYTES, Duration.ofSeconds(10),
        "the cache holds the new vector's bytes");
    assertTrue(after.contains("# TYPE laneway_cache_bytes gauge"), "the cache bytes gauge is exported");
  }

  static double delta(String before, String metric) {
    return Samples.delta(before, gw.gateway().telemetry().prometheusText(), metric);
  }

  /** The lines of the samples this test reads, for a failure message. */
  static String grep(String text) {
    return text.lines().filter(l -> l.startsWith("laneway_requests_total") || l.startsWith("laneway_cache_")
        || l.startsWith("laneway_texts_total") || l.startsWith("laneway_request_duration_seconds_count"))
        .reduce("", (a, b) -> a + b + "\n");
  }
}
