package dev.laneway.lanes.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.lanes.GuardedLane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneException;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a node's gRPC status becomes the lane outcome dispatch acts on (retry elsewhere, or the client's error), and
 * which of them the breaker counts: pure mappings, no node needed.
 */
class RemoteLaneErrorsTest {
  static final Vertx VERTX = Vertx.vertx();
  static final Topology TOPOLOGY = TopologyLoader.parse(new ByteArrayInputStream("""
      regions: [{id: hk}, {id: intl}]
      lanes: [{id: r, region: intl, class: general, remote: {address: "127.0.0.1:1"}}]
      models:
        - {name: m, space: m, dimension: 4, variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]}
      """.getBytes(StandardCharsets.UTF_8)), "t.yaml");
  static final RemoteLane LANE = new RemoteLane(TOPOLOGY.lane("r"), TOPOLOGY, VERTX,
      LoopClients.of(GrpcClient.client(VERTX)),
      OpenTelemetry.noop());

  @AfterAll
  static void close() {
    VERTX.close().await();
  }

  static LaneCall call(long deadlineNanos) {
    var m = TOPOLOGY.model("m").orElseThrow();
    return new LaneCall(m, m.variant("fp32").orElseThrow(), List.of("x"), deadlineNanos, "standard");
  }

  @Test
  void invalidArgument_isTheClientsError() {
    LaneException e = LANE.error(GrpcStatus.INVALID_ARGUMENT, "bad", call(Long.MAX_VALUE), 0);
    assertInstanceOf(LaneException.InvalidInput.class, e);
  }

  @Test
  void resourceExhausted_isFull_andRetriedElsewhere() {
    LaneException e = LANE.error(GrpcStatus.RESOURCE_EXHAUSTED, "full", call(Long.MAX_VALUE),
        TimeUnit.SECONDS.toNanos(3));
    LaneException.QueueFull full = assertInstanceOf(LaneException.QueueFull.class, e);
    assertTrue(e.retryElsewhere());
    assertEquals(TimeUnit.SECONDS.toNanos(3), full.retryAfterNanos(), "the node's pushback is the Retry-After");
    assertFalse(GuardedLane.countsAgainstDevice(e, TOPOLOGY.lanes().get(0).breaker()),
        "a node shedding load is not a failing device");
  }

  @Test
  void deadlineExceeded_isTheDeadline_whenTheRequestsTimeIsUp_elseUnavailable() {
    assertInstanceOf(LaneException.DeadlineExceeded.class,
        LANE.error(GrpcStatus.DEADLINE_EXCEEDED, "late", call(System.nanoTime()), 0));
    LaneException early = LANE.error(GrpcStatus.DEADLINE_EXCEEDED, "node's own timeout",
        call(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)), 0);
    assertInstanceOf(LaneException.Unavailable.class, early);
    assertTrue(early.retryElsewhere());
  }

  @ParameterizedTest
  @EnumSource(value = GrpcStatus.class, names = {"UNAVAILABLE", "NOT_FOUND", "INTERNAL", "UNKNOWN"})
  void serverErrors_areTheNodeFailing_countedByTheBreaker_andNameTheNode(GrpcStatus status) {
    LaneException e = LANE.error(status, "why", call(Long.MAX_VALUE), 0);
    assertInstanceOf(LaneException.DeviceFailed.class, e);
    assertTrue(e.retryElsewhere());
    assertTrue(GuardedLane.countsAgainstDevice(e, TOPOLOGY.lanes().get(0).breaker()));
    assertTrue(e.getMessage().contains("127.0.0.1:1") && e.getMessage().contains(status.name()), e.getMessage());
  }

  @Test
  void cancelled_isUnavailable_notTheDevice() {
    LaneException e = LANE.error(GrpcStatus.CANCELLED, "why", call(Long.MAX_VALUE), 0);
    assertInstanceOf(LaneException.Unavailable.class, e);
    assertTrue(e.retryElsewhere());
    assertFalse(GuardedLane.countsAgainstDevice(e, TOPOLOGY.lanes().get(0).breaker()));
  }

  @Test
  void unreachableNode_failsUnavailable_notHangs() throws Exception {
    var f = LANE.infer(call(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
    Throwable e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
        () -> f.get(10, TimeUnit.SECONDS)).getCause();
    assertInstanceOf(LaneException.DeviceFailed.class, e);
  }
}
