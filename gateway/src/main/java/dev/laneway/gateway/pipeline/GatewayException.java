package dev.laneway.gateway.pipeline;

/** The gateway's own typed errors; {@link ErrorMapping} turns each into a status. Cheap: no stack trace. */
public abstract sealed class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  GatewayException(String message) {
    super(message, null, false, false);
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
}
