package dev.laneway.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.laneway.lanes.LaneException;
import dev.laneway.routing.RoutingException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every typed error, through the one mapping: its HTTP status, gRPC status, reason and Retry-After. */
class ErrorMappingTest {
  record Case(Throwable error, int http, GrpcStatus grpc, String reason, int retryAfter) {}

  static final List<Case> CASES = List.of(
      new Case(new GatewayException.BadRequest("b"), 400, GrpcStatus.INVALID_ARGUMENT, "bad_request", 0),
      new Case(new GatewayException.Unavailable("u"), 503, GrpcStatus.UNAVAILABLE, "unavailable", 1),
      new Case(new GatewayException.Draining(), 503, GrpcStatus.UNAVAILABLE, "draining", 1),
      new Case(new GatewayException.Cancelled("c"), 499, GrpcStatus.CANCELLED, "cancelled", 0),
      new Case(new GatewayException.Shed("s", 60_000_000_000L), 429, GrpcStatus.RESOURCE_EXHAUSTED, "slo_shed", 60),
      new Case(new CancellationException("gone"), 499, GrpcStatus.CANCELLED, "cancelled", 0),
      new Case(new RoutingException.UnknownModel("m"), 404, GrpcStatus.NOT_FOUND, "unknown_model", 0),
      new Case(new RoutingException.UnknownVersion("v"), 404, GrpcStatus.NOT_FOUND, "unknown_version", 0),
      new Case(new RoutingException.Unauthorized("k"), 401, GrpcStatus.UNAUTHENTICATED, "unauthorized", 0),
      new Case(new RoutingException.Forbidden("f"), 403, GrpcStatus.PERMISSION_DENIED, "forbidden", 0),
      new Case(new RoutingException.ConstraintViolated("residency", "r"), 503, GrpcStatus.UNAVAILABLE, "residency", 1),
      new Case(new RoutingException.ConstraintViolated("space", "s"), 503, GrpcStatus.UNAVAILABLE, "space", 1),
      new Case(new RoutingException.NoRule("n"), 503, GrpcStatus.UNAVAILABLE, "no_rule", 0),
      new Case(new LaneException.QueueFull("l", "q", LaneException.QueueFull.Reason.QUEUE_FULL,
          TimeUnit.MILLISECONDS.toNanos(2_300)), 429, GrpcStatus.RESOURCE_EXHAUSTED, "queue_full", 3),
      new Case(new LaneException.QueueFull("l", "q", LaneException.QueueFull.Reason.IN_FLIGHT_FULL, 0), 429,
          GrpcStatus.RESOURCE_EXHAUSTED, "in_flight_full", 1),
      new Case(new LaneException.QueueFull("l", "q", LaneException.QueueFull.Reason.SHED, 1), 429,
          GrpcStatus.RESOURCE_EXHAUSTED, "shed", 1),
      new Case(new LaneException.QueueFull("l", "q", LaneException.QueueFull.Reason.WOULD_MISS_DEADLINE,
          TimeUnit.HOURS.toNanos(5)), 429, GrpcStatus.RESOURCE_EXHAUSTED, "would_miss_deadline", 3600),
      new Case(new LaneException.DeadlineExceeded("l", "d"), 504, GrpcStatus.DEADLINE_EXCEEDED, "deadline_exceeded", 0),
      new Case(new LaneException.Unavailable("l", "u", null), 503, GrpcStatus.UNAVAILABLE, "lane_unavailable", 1),
      new Case(new LaneException.DeviceFailed("l", "f", null), 503, GrpcStatus.UNAVAILABLE, "device_failed", 1),
      new Case(new LaneException.InvalidInput("l", "i"), 400, GrpcStatus.INVALID_ARGUMENT, "invalid_input", 0),
      new Case(new IllegalStateException("a bug with secrets in it"), 500, GrpcStatus.INTERNAL, "internal", 0));

  @Test
  void everyTypedError_hasItsHttpAndGrpcStatus_andTheSameReason() {
    for (Case c : CASES) {
      ErrorMapping.HttpError h = ErrorMapping.toHttp(c.error());
      ErrorMapping.GrpcError g = ErrorMapping.toGrpc(c.error());
      String what = c.error().getClass().getSimpleName() + " " + c.reason();
      assertEquals(c.http(), h.status(), what);
      assertEquals(c.grpc(), g.status(), what);
      assertEquals(c.reason(), h.reason(), what);
      assertEquals(c.reason(), g.reason(), what);
      assertEquals(c.retryAfter(), h.retryAfterSeconds(), what);
      assertEquals(h.retryAfterSeconds(), g.retryAfterSeconds(), what);
    }
  }

  @Test
  void wrappedErrorsMapAsTheirCause_andAnUntypedOneLeaksNothing() {
    ErrorMapping.HttpError h = ErrorMapping.toHttp(new CompletionException(new RoutingException.Forbidden("no")));
    assertEquals(403, h.status());
    ErrorMapping.HttpError bug = ErrorMapping.toHttp(new IllegalStateException("password=hunter2"));
    assertEquals("internal error", bug.message());
    assertFalse(bug.message().contains("hunter2"));
  }
}
