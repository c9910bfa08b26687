package dev.laneway.gateway.pipeline;

import dev.laneway.lanes.LaneException;
import dev.laneway.routing.RoutingException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place typed errors become HTTP statuses, and (derived from those) gRPC statuses. Every family is switched
 * over exhaustively, so a new error kind does not compile until it has a status. Overload is a 429 whose reason names
 * what was full ({@code queue_full}, {@code in_flight_full}, {@code shed}, {@code would_miss_deadline}) and whose
 * Retry-After is the lane's expected time to work off what is ahead of the request's class (whole seconds, at least
 * 1).
 */
public final class ErrorMapping {
  private ErrorMapping() {}

  /** An HTTP status and message; {@code retryAfterSeconds} > 0 adds a Retry-After header. */
  public record HttpError(int status, String message, int retryAfterSeconds, String reason) {}

  public static HttpError toHttp(Throwable error) {
    Throwable e = unwrap(error);
    return switch (e) {
      case GatewayException g -> switch (g) {
        case GatewayException.BadRequest b -> new HttpError(400, b.getMessage(), 0, "bad_request");
        case GatewayException.Unavailable u -> new HttpError(503, u.getMessage(), 1, "unavailable");
        case GatewayException.Draining d -> new HttpError(503, d.getMessage(), 1, "draining");
        case GatewayException.Shed s -> new HttpError(429, s.getMessage(), retryAfterSeconds(s.retryAfterNanos()),
            "slo_shed");
        case GatewayException.Cancelled c -> new HttpError(499, c.getMessage(), 0, "cancelled");
        case GatewayException.RateLimited r -> new HttpError(r.status(), r.getMessage(),
            r.status() == 413 ? 0 : limitRetryAfterSeconds(r.retryAfterNanos()), r.reason());
      };
      case RoutingException r -> switch (r) {
        case RoutingException.UnknownModel m -> new HttpError(404, m.getMessage(), 0, "unknown_model");
        case RoutingException.UnknownVersion v -> new HttpError(404, v.getMessage(), 0, "unknown_version");
        case RoutingException.Unauthorized u -> new HttpError(401, u.getMessage(), 0, "unauthorized");
        case RoutingException.Forbidden f -> new HttpError(403, f.getMessage(), 0, "forbidden");
        case RoutingException.ConstraintViolated c -> new HttpError(503, c.getMessage(), 1, c.constraint());
        case RoutingException.NoRule n -> new HttpError(503, n.getMessage(), 0, "no_rule");
      };
      case LaneException l -> switch (l) {
        case LaneException.QueueFull q -> new HttpError(429, q.getMessage(), retryAfterSeconds(q.retryAfterNanos()),
            q.reason().wireName());
        case LaneException.DeadlineExceeded d -> new HttpError(504, d.getMessage(), 0, "deadline_exceeded");
        case LaneException.Unavailable u -> new HttpError(503, u.getMessage(), 1, "lane_unavailable");
        case LaneException.DeviceFailed f -> new HttpError(503, f.getMessage(), 1, "device_failed");
        case LaneException.InvalidInput i -> new HttpError(400, i.getMessage(), 0, "invalid_input");
      };
      case java.util.concurrent.CancellationException c -> new HttpError(499, "cancelled by the caller", 0, "cancelled");
      // a bug: the client gets no internals (the door logs the exception with the trace id)
      default -> new HttpError(500, "internal error", 0, "internal");
    };
  }

  /** Retry-After for a tenant's limit: rounded up, at least 1; a budget's next period may be weeks away. */
  static int limitRetryAfterSeconds(long waitNanos) {
    long s = (waitNanos + 999_999_999L) / 1_000_000_000L;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, s));
  }

  /** Retry-After in whole seconds for an expected wait: rounded up, at least 1, at most an hour. */
  static int retryAfterSeconds(long waitNanos) {
    long s = (waitNanos + 999_999_999L) / 1_000_000_000L;
    return (int) Math.max(1, Math.min(3600, s));
  }

  /**
   * A gRPC status (Vert.x's enum) and message, with the same reason as {@link #toHttp}; {@code retryAfterSeconds} as
   * the HTTP side's Retry-After (a door sends it as the {@code grpc-retry-pushback-ms} trailer on RESOURCE_EXHAUSTED).
   */
  public record GrpcError(io.vertx.grpc.common.GrpcStatus status, String message, String reason,
      int retryAfterSeconds) {}

  /**
   * The gRPC side of the same mapping: derived from the HTTP status so the two cannot drift (gRPC's own table of
   * HTTP-to-gRPC codes, with 429 as RESOURCE_EXHAUSTED and 504 as DEADLINE_EXCEEDED); a cancelled call is CANCELLED.
   */
  public static GrpcError toGrpc(Throwable error) {
    HttpError h = toHttp(error);
    io.vertx.grpc.common.GrpcStatus s = switch (h.status()) {
      case 400, 413 -> io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT;
      case 401 -> io.vertx.grpc.common.GrpcStatus.UNAUTHENTICATED;
      case 403 -> io.vertx.grpc.common.GrpcStatus.PERMISSION_DENIED;
      case 404 -> io.vertx.grpc.common.GrpcStatus.NOT_FOUND;
      case 429 -> io.vertx.grpc.common.GrpcStatus.RESOURCE_EXHAUSTED;
      case 499 -> io.vertx.grpc.common.GrpcStatus.CANCELLED;
      case 503 -> io.vertx.grpc.common.GrpcStatus.UNAVAILABLE;
      case 504 -> io.vertx.grpc.common.GrpcStatus.DEADLINE_EXCEEDED;
      case 501 -> io.vertx.grpc.common.GrpcStatus.UNIMPLEMENTED;
      default -> io.vertx.grpc.common.GrpcStatus.INTERNAL;
    };
    return new GrpcError(s, h.message(), h.reason(), h.retryAfterSeconds());
  }

  public static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
