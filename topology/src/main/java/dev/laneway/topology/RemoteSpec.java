package dev.laneway.topology;

/**
 * Where a remote lane is served: an executor node (or any Open Inference Protocol gRPC server) at {@code address}.
 * A gateway reaches a lane that declares {@code remote} over gRPC; the node of the lane's region ({@code laneway node
 * --region R}) serves the same lane from its local devices.
 *
 * <pre>{@code
 * remote: {address: "intl-node.laneway.svc:8001", tls: false, lane: intl-general}
 * remote: {address: "intl-node:8001", tls: true, ca: [/certs/ca.crt, /certs/ca-next.crt],
 *          identity: "spiffe://laneway/node/intl", client_cert: /certs/gw.crt, client_key: /certs/gw.key}
 * }</pre>
 *
 * @param address {@code host:port} of the node's gRPC listener
 * @param tls whether to connect with TLS (the JDK's trust store); default false
 * @param lane the lane id the node serves it as (sent as the {@code lane} request parameter); default: the lane's own
 *     id. Empty string: send none (a plain OIP server such as Triton routes by model name only)
 * @param ca PEM files of the CAs trusted for the node's certificate (several while a CA rotates: old and new); empty:
 *     the JDK's trust store. With {@code tls} only
 * @param identity the SAN the node's certificate must carry (a DNS name, or a URI such as
 *     {@code spiffe://laneway/node/intl}), in place of checking the address's host name; null: the host name
 * @param clientCert the PEM certificate chain the gateway presents to the node (mutual TLS), with {@code clientKey}
 * @param clientKey its PKCS#8 PEM key
 */
public record RemoteSpec(String address, boolean tls, String lane, java.util.List<String> ca, String identity,
    String clientCert, String clientKey) {
  /** Without pinned CAs, identity or client certificate. */
  public RemoteSpec(String address, boolean tls, String lane) {
    this(address, tls, lane, null, null, null, null);
  }

  public RemoteSpec {
    ca = ca == null ? java.util.List.of() : java.util.List.copyOf(ca);
    if (!tls && (!ca.isEmpty() || identity != null || clientCert != null || clientKey != null)) {
      throw new IllegalArgumentException("remote: ca, identity, client_cert and client_key need tls: true");
    }
    if ((clientCert == null) != (clientKey == null)) {
      throw new IllegalArgumentException("remote: client_cert and client_key: give both (mutual TLS) or neither");
    }
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
