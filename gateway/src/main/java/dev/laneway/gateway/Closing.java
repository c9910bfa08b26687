package dev.laneway.gateway;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Waits for a Vert.x close, bounded: a server, client or Vert.x instance that never finishes closing (a connection
 * stuck mid-handshake, say) costs a warning and {@value #SECONDS} seconds, never a process or test that cannot stop.
 */
public final class Closing {
  private static final Logger LOG = Logger.getLogger(Closing.class.getName());
  public static final long SECONDS = 30;

  private Closing() {}

  /** Waits up to {@value #SECONDS} seconds for {@code closing}; logs {@code what} when it fails or takes longer. */
  public static void await(Future<?> closing, String what) {
    try {
      closing.await(SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.warning("closing " + what + ": not closed after " + SECONDS + " s; going on");
    } catch (RuntimeException e) {
      LOG.warning("closing " + what + ": " + e.getMessage());
    }
  }
}
