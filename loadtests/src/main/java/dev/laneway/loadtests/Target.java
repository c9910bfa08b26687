package dev.laneway.loadtests;

import java.net.URI;
import java.util.Locale;

/**
 * The server a scenario measures: the child gateway it started, or any OIP server given with {@code --target} (Triton,
 * a KServe runtime, another Laneway), which the bench neither starts nor stops.
 *
 * @param host the host to connect to
 * @param httpPort the REST port
 * @param grpcPort the gRPC port; 0 when there is none (its front doors are then recorded as unavailable)
 * @param pid the server's process on this machine, whose threads' CPU each step samples; -1 when not known (a target)
 * @param describe one line for the report
 * @param owned the child gateway, closed with this target; null for a target
 */
record Target(String host, int httpPort, int grpcPort, long pid, String describe, GatewayProcess owned)
    implements AutoCloseable {

  /** The child gateway {@code g}. */
  static Target of(GatewayProcess g) {
    return new Target("127.0.0.1", g.httpPort(), g.grpcPort(), g.pid(), "child gateway, log " + g.log()
        + ", AOT cache " + (g.aotCache() == null ? "none" : g.aotCache()), g);
  }

  /**
   * {@code --target URL} ({@code http://HOST:PORT}; a path is not allowed) and {@code --target-grpc HOST:PORT} (or
   * null: no gRPC).
   *
   * @throws IllegalArgumentException what is wrong with either, in a line
   */
  static Target parse(String url, String grpc) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--target: '" + url + "' is not a URL (expected: http://HOST:PORT)");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException("--target: '" + url + "': only http:// is supported (expected: http://HOST:PORT)");
    }
    if (u.getHost() == null || u.getPort() < 1) {
      throw new IllegalArgumentException("--target: '" + url + "' names no host and port (expected: http://HOST:PORT)");
    }
    if (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/")) {
      throw new IllegalArgumentException("--target: '" + url + "': no path expected (the OIP paths are /v2/...)");
    }
    String grpcHost = u.getHost();
    int grpcPort = 0;
    if (grpc != null) {
      int colon = grpc.lastIndexOf(':');
      try {
        if (colon < 1) throw new NumberFormatException();
        grpcHost = grpc.substring(0, colon);
        grpcPort = Integer.parseInt(grpc.substring(colon + 1));
        if (grpcPort < 1 || grpcPort > 65535) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--target-grpc: '" + grpc + "' (expected: HOST:PORT)");
      }
      if (!grpcHost.equals(u.getHost())) {
        throw new IllegalArgumentException("--target-grpc: host '" + grpcHost + "' differs from --target's '"
            + u.getHost() + "' (one server is measured)");
      }
    }
    return new Target(u.getHost(), u.getPort(), grpcPort, -1,
        "target " + url + (grpcPort > 0 ? ", gRPC " + grpc : ", no gRPC"), null);
  }

  @Override
  public void close() {
    if (owned != null) owned.close();
  }
}
