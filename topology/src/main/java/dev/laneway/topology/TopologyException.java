package dev.laneway.topology;

/** A topology file that cannot be used, with the file, line and field that say why. */
public final class TopologyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TopologyException(String message, Throwable cause) {
    super(message, cause);
  }
}
