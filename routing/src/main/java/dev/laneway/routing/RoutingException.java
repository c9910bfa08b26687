package dev.laneway.routing;

/** Why a request has no route. Cheap: no stack trace. The gateway's ErrorMapping gives each a status. */
public abstract sealed class RoutingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RoutingException(String message) {
    super(message, null, false, false);
  }

  /** No such model: 404. */
  public static final class UnknownModel extends RoutingException {
    private static final long serialVersionUID = 1L;

    public UnknownModel(String message) {
      super(message);
    }
  }

  /** The model exists, the version does not: 404. */
  public static final class UnknownVersion extends RoutingException {
    private static final long serialVersionUID = 1L;

    public UnknownVersion(String message) {
      super(message);
    }
  }

  /** A missing or unknown API key where the policy requires one: 401. */
  public static final class Unauthorized extends RoutingException {
    private static final long serialVersionUID = 1L;

    public Unauthorized(String message) {
      super(message);
    }
  }

  /** The tenant may not call this model: 403. */
  public static final class Forbidden extends RoutingException {
    private static final long serialVersionUID = 1L;

    public Forbidden(String message) {
      super(message);
    }
  }

  /**
   * A hard constraint leaves no lane: {@code residency} (the tenant's traffic may not leave its region) or
   * {@code space} (no lane of the model's embedding space can serve): 503, the message names the constraint.
   */
  public static final class ConstraintViolated extends RoutingException {
    private static final long serialVersionUID = 1L;
    private final String constraint;

    public ConstraintViolated(String constraint, String message) {
      super(constraint + " constraint: " + message);
      this.constraint = constraint;
    }

    /** {@code residency} or {@code space}. */
    public String constraint() {
      return constraint;
    }
  }

  /** No policy rule matches the request: 503 (a policy without a catch-all rule). */
  public static final class NoRule extends RoutingException {
    private static final long serialVersionUID = 1L;

    public NoRule(String message) {
      super(message);
    }
  }
}
