package dev.laneway.topology;

/**
 * Where a remote lane is served: an executor node (or any Open Inference Protocol gRPC server) at {@code address}.
 * A gateway reaches a lane that declares {@code remote} over gRPC; the node of the lane's region ({@code laneway node
 * --region R}) serves the same lane from its local devices.
 *
 * <pre>{@code
 * remote: {address: "intl-node.laneway.svc:8001", tls: false, lane: intl-general}
 * }</pre>
 *
 * @param address {@code host:port} of the node's gRPC listener
 * @param tls whether to connect with TLS (the JDK's trust store); default false
 * @param lane the lane id the node serves it as (sent as the {@code lane} request parameter); default: the lane's own
 *     id. Empty string: send none (a plain OIP server such as Triton routes by model name only)
 */
public record RemoteSpec(String address, boolean tls, String lane) {
  public RemoteSpec {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("remote.address: missing (expected: host:port)");
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("remote.address: '" + address + "' (expected: host:port)");
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("remote.address: '" + address + "' (expected: host:port, port 1..65535)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("remote.address: '" + address + "' (expected: host:port, port 1..65535)");
    }
  }

  public String host() {
    String h = address.substring(0, address.lastIndexOf(':'));
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  public int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /** The lane id to send, given the lane's own id; null when none is sent. */
  public String laneFor(String ownId) {
    if (lane == null) return ownId;
    return lane.isEmpty() ? null : lane;
  }
}
