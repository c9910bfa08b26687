package dev.laneway.routing;

/** A policy file that cannot be used, with the file, line and field that say why. */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
