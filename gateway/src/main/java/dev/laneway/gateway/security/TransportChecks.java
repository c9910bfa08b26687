package dev.laneway.gateway.security;

import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * What is sent in clear, checked at start and at every reload: a listener without TLS bound beyond loopback is a
 * warning; with TLS required ({@code --tls-required} or the topology's {@code tls_required: true}) a plaintext listener
 * or a remote lane without {@code tls} is a refusal. Pure functions.
 *
 * <pre>{@code
 * String why = TransportChecks.refusal(options.tlsRequired(), tls.enabled(), topology);   // null: fine
 * }</pre>
 */
public final class TransportChecks {
  private TransportChecks() {}

  /** Whether a bind address reaches only this machine. */
  public static boolean loopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]")
        || host.equals("0:0:0:0:0:0:0:1");
  }

  /** The warning for a listener named {@code what} on {@code host} without TLS, or null when none is due. */
  public static String plaintextWarning(String what, String host, boolean tls) {
    if (tls || loopback(host)) return null;
    return what + " listener on " + host + " is plaintext (no --tls-cert/--tls-key): anyone on the network can read "
        + "and alter its traffic";
  }

  /**
   * Why the process may not run as configured, or null: with TLS required, the listeners need a certificate and
   * every remote lane {@code tls: true}.
   *
   * @param flag {@code --tls-required}
   * @param listenersTls whether the listeners have a certificate
   */
  public static String refusal(boolean flag, boolean listenersTls, Topology topology) {
    if (!(flag || topology.tlsRequired())) return null;
    String by = flag ? "--tls-required" : topology.source() + ": tls_required";
    List<String> clear = new ArrayList<>();
    if (!listenersTls) clear.add("the listeners (no --tls-cert/--tls-key)");
    for (LaneSpec l : topology.lanes()) {
      if (l.isRemote() && !l.remote().tls()) clear.add("remote lane " + l.id() + " (remote.tls: false)");
    }
    return clear.isEmpty() ? null : by + ": plaintext refused: " + String.join(", ", clear);
  }
}
