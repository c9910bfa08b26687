package dev.laneway.gateway.pipeline;

/** The gateway's own typed errors; {@link ErrorMapping} turns each into a status. Cheap: no stack trace. */
public abstract sealed class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  GatewayException(String message) {
    super(message, null, false, false);
  }

  /**
   * The tenant's limits refuse the request ({@code gateway.tenants}): a request or token rate (429 with Retry-After from
   * the limiter's state), its token budget for the period (429, reason {@code budget_exhausted}, Retry-After at the
   * next period), a request larger than a rate's burst can ever admit (413), or the shared limiter unreachable with
   * {@code --limits-fail-mode closed} (503); or, before any tenant is known, too many failed authentications from the
   * caller's address (429, reason {@code auth_failures}, {@code security.AuthFailures}).
   *
   * @param reason {@code request_rate}, {@code token_rate}, {@code budget_exhausted}, {@code too_large},
   *     {@code limiter_unavailable} or {@code auth_failures}
   */
  public static final class RateLimited extends GatewayException {
    private static final long serialVersionUID = 1L;
    private final String reason;
    private final long retryAfterNanos;

    public RateLimited(String reason, String message, long retryAfterNanos) {
      super(message);
      this.reason = reason;
      this.retryAfterNanos = retryAfterNanos;
    }

    public String reason() {
      return reason;
    }

    /** When the request would be admitted, from the limiter's state; 0 when never (too large). */
    public long retryAfterNanos() {
      return retryAfterNanos;
    }

    /** The HTTP status: 413 for a request too large for a burst, 503 for an unreachable limiter, else 429. */
    public int status() {
      return switch (reason) {
        case "too_large" -> 413;
        case "limiter_unavailable" -> 503;
        default -> 429;
      };
    }
  }

  /** The request is malformed or names something wrong: 400. */
  public static final class BadRequest extends GatewayException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String message) {
      super(message);
    }
  }

  /** No lane can serve the request now (every candidate unavailable, or none allowed): 503. */
  public static final class Unavailable extends GatewayException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message) {
      super(message);
    }
  }

  /** The gateway is draining after SIGTERM and takes no new work: 503. */
  public static final class Draining extends GatewayException {
    private static final long serialVersionUID = 1L;

    /** What every door answers once SIGTERM has started the drain. */
    public Draining() {
      super("the gateway is shutting down and takes no new requests");
    }
  }

  /**
   * The caller went away (a cancelled gRPC call, a closed REST connection) before the answer: not an error of the
   * gateway. 499 (nginx's "client closed request") and gRPC CANCELLED, counted as {@code cancelled}.
   */
  public static final class Cancelled extends GatewayException {
    private static final long serialVersionUID = 1L;

    public Cancelled(String message) {
      super(message);
    }
  }

  /**
   * Shed by the SLO guard: while the protected objective burns its error budget too fast, the gateway refuses the less
   * urgent classes (batch first, then standard) before they take capacity from it. 429 with reason {@code slo_shed}
   * and a Retry-After of the guard's hold (a saturation refusal, counted against the class's own objective); gRPC
   * RESOURCE_EXHAUSTED.
   */
  public static final class Shed extends GatewayException {
    private static final long serialVersionUID = 1L;
    private final long retryAfterNanos;

    public Shed(String message, long retryAfterNanos) {
      super(message);
      this.retryAfterNanos = retryAfterNanos;
    }

    public long retryAfterNanos() {
      return retryAfterNanos;
    }
  }
}
