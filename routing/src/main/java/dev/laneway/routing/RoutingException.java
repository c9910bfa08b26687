package dev.laneway.routing;

/** Why a request has no route. */
public abstract sealed class RoutingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RoutingException(String message) {
    super(message, null, false, false);
  }

  /** No such model. */
  public static final class UnknownModel extends RoutingException {
    private static final long serialVersionUID = 1L;

    public UnknownModel(String message) {
      super(message);
    }
  }

  /** The model exists, the version does not. */
  public static final class UnknownVersion extends RoutingException {
    private static final long serialVersionUID = 1L;

    public UnknownVersion(String message) {
      super(message);
    }
  }
}
