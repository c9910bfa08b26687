package dev.laneway.gateway.pipeline;

import dev.laneway.routing.Router;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The routing snapshot serving now (one topology and one policy: a {@link Router}), swapped whole on reload. A call
 * captures it once when it is made ({@link Calls}), and everything after (route, dispatch, hedging, explain) uses that
 * capture, so a reload between a request's decode and its dispatch cannot route it twice or on two policies.
 * Thread-safe.
 */
public final class Routes {
  private final AtomicReference<Router> current;

  public Routes(Router initial) {
    this.current = new AtomicReference<>(initial);
  }

  public Router current() {
    return current.get();
  }

  /** Installs a new snapshot (a reload); calls already made keep theirs. */
  public void swap(Router next) {
    current.set(next);
  }
}
