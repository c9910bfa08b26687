package dev.laneway.gateway.security;

import dev.laneway.routing.CertificateIdentity;
import io.vertx.core.Handler;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Client certificates the listeners ask for: signed by a CA in {@code --tls-client-ca} (a PEM file; during a CA
 * rotation it holds the old and the new CA) and, when {@code --tls-client-identities} names any, carrying one of them
 * as a SAN on the gRPC listener (a DNS name or a URI such as {@code spiffe://laneway/gateway/hk}). How much is asked
 * is {@code --tls-client-auth} ({@link Mode}): by default the gRPC listener requires one (a node trusting its gateways)
 * and REST requests one; {@code request} makes gRPC only ask too (callers without one use keys), {@code require}
 * makes both insist. A certificate from another CA fails the handshake; {@link #guard} refuses a request whose
 * certificate names no allowed identity (gRPC {@code UNAUTHENTICATED}, else HTTP 403) and logs each refusal in one
 * line. {@link #identity} gives the doors a verified certificate's names, which the policy may map to a tenant.
 *
 * <pre>{@code
 * ClientCerts c = ClientCerts.of(Path.of("gateways-ca.crt"), List.of("spiffe://laneway/gateway/hk"));
 * server = vertx.createHttpServer(c.apply(tlsOptions, true)).requestHandler(c.guard(handler));
 * }</pre>
 */
public final class ClientCerts {
  private static final Logger LOG = Logger.getLogger(ClientCerts.class.getName());
  public static final ClientCerts NONE = new ClientCerts(null, List.of(), Mode.REQUIRE_GRPC);

  /** {@code --tls-client-auth}: what each listener asks of a client. */
  public enum Mode {
    /** gRPC requires a certificate, REST requests one (the default: a node's gRPC port, REST for health probes). */
    REQUIRE_GRPC,
    /** Both request one: a caller without one is served (and named by its key, or anonymous). */
    REQUEST,
    /** Both require one. */
    REQUIRE;

    /** The flag's value: {@code require-grpc}, {@code request} or {@code require}. */
    public static Mode parse(String v) {
      return switch (v) {
        case "require-grpc" -> REQUIRE_GRPC;
        case "request" -> REQUEST;
        case "require" -> REQUIRE;
        default -> throw new IllegalArgumentException("require-grpc, request or require");
      };
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    ClientAuth auth(boolean grpc) {
      return this == REQUIRE || (this == REQUIRE_GRPC && grpc) ? ClientAuth.REQUIRED : ClientAuth.REQUEST;
    }
  }

  private final Path ca;
  private final Set<String> identities;
  private final Mode mode;

  private ClientCerts(Path ca, List<String> identities, Mode mode) {
    this.ca = ca;
    this.identities = Set.copyOf(identities);
    this.mode = mode;
  }

  /** Client certificates from {@code ca}'s CAs, naming one of {@code identities} (empty: any); null ca: none. */
  public static ClientCerts of(Path ca, List<String> identities) {
    return of(ca, identities, Mode.REQUIRE_GRPC);
  }

  /** As {@link #of(Path, List)}, each listener asking as {@code mode} says. */
  public static ClientCerts of(Path ca, List<String> identities, Mode mode) {
    if (ca == null) {
      if (!identities.isEmpty()) throw new IllegalArgumentException("--tls-client-identities needs --tls-client-ca");
      return NONE;
    }
    ServerCertificate.parseChain(read(ca), ca.toString()); // fails now, in one line, on a file that is no PEM
    return new ClientCerts(ca, identities, mode);
  }

  public boolean enabled() {
    return ca != null;
  }

  /** {@code o} asking a client certificate from the CA file (the gRPC listener's or REST's); unchanged when not enabled. */
  HttpServerOptions apply(HttpServerOptions o, boolean grpc) {
    if (!enabled()) return o;
    return o.setClientAuth(mode.auth(grpc)).setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
  }

  ServerSSLOptions apply(ServerSSLOptions o, boolean grpc) {
    if (!enabled()) return o;
    return o.setClientAuth(mode.auth(grpc)).setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
  }

  /**
   * The names of the client certificate this connection's TLS session verified, or null (plaintext, or no
   * certificate). Read once per TLS session and kept in it, so a kept connection pays nothing per request. Event loop.
   */
  public static CertificateIdentity identity(HttpConnection connection) {
    if (connection == null || !connection.isSsl()) return null;
    SSLSession session = connection.sslSession();
    if (session == null) return null;
    if (session.getValue(SESSION_KEY) instanceof Read r) return r.identity();
    CertificateIdentity id = null;
    try {
      if (session.getPeerCertificates()[0] instanceof X509Certificate leaf) id = identity(leaf);
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate: no identity
    }
    session.putValue(SESSION_KEY, new Read(id));
    return id;
  }

  /** A certificate's subject, URI SANs and DNS SANs. */
  public static CertificateIdentity identity(X509Certificate leaf) {
    List<String> uris = new ArrayList<>();
    List<String> dns = new ArrayList<>();
    try {
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if ((Integer) san.get(0) == 6) uris.add(String.valueOf(san.get(1)));
          if ((Integer) san.get(0) == 2) dns.add(String.valueOf(san.get(1)));
        }
      }
    } catch (CertificateParsingException e) {
      // unreadable SANs: the subject alone
    }
    return new CertificateIdentity(leaf.getSubjectX500Principal().getName(), uris, dns);
  }

  private static final String SESSION_KEY = "laneway.client-identity";

  /** What {@link #identity(HttpConnection)} read from a session (its identity may be null). */
  private record Read(CertificateIdentity identity) {}

  /** {@code handler} behind the identity check; itself when no identities are named. */
  public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> handler) {
    if (!enabled() || identities.isEmpty()) return handler;
    return request -> {
      List<String> names = names(request);
      if (names.stream().anyMatch(identities::contains)) {
        handler.handle(request);
        return;
      }
      LOG.warning("client certificate refused: it names " + names + ", none of --tls-client-identities " + identities
          + " (from " + request.remoteAddress() + ")");
      String ct = request.getHeader("content-type");
      if (ct != null && ct.startsWith("application/grpc")) {
        request.response().putHeader("content-type", "application/grpc").putHeader("grpc-status", "16")
            .putHeader("grpc-message", "client certificate names no allowed identity").end();
      } else {
        request.response().setStatusCode(403).end("client certificate names no allowed identity\n");
      }
    };
  }

  private static List<String> names(HttpServerRequest request) {
    List<String> out = new ArrayList<>();
    try {
      List<Certificate> chain = request.connection().peerCertificates();
      if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) return out;
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Set.of(2, 6, 7).contains((Integer) san.get(0))) out.add(String.valueOf(san.get(1)));
        }
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException | CertificateParsingException e) {
      // no verified certificate: no names
    }
    return out;
  }

  private static byte[] read(Path p) {
    try {
      return java.nio.file.Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new ServerCertificate.Refused(p + ": cannot read (" + e.getMessage() + ")");
    }
  }
}
