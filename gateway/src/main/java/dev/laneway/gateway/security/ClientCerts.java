package dev.laneway.gateway.security;

import io.vertx.core.Handler;
import io.vertx.core.http.ClientAuth;
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

/**
 * Client certificates the gRPC listener requires (a node's, {@code laneway node --tls-client-ca}): signed by a CA
 * in {@code --tls-client-ca} (a PEM file; during a CA rotation it holds the old and the new CA) and, when
 * {@code --tls-client-identities} names any, carrying one of them as a SAN (a DNS name or a URI such as
 * {@code spiffe://laneway/gateway/hk}). The handshake refuses a certificate from another CA, or none; {@link #guard}
 * refuses a request whose certificate names no allowed identity (gRPC {@code UNAUTHENTICATED}, else HTTP 403) and
 * logs each refusal in one line.
 *
 * <pre>{@code
 * ClientCerts c = ClientCerts.of(Path.of("gateways-ca.crt"), List.of("spiffe://laneway/gateway/hk"));
 * server = vertx.createHttpServer(c.apply(tlsOptions)).requestHandler(c.guard(handler));
 * }</pre>
 */
public final class ClientCerts {
  private static final Logger LOG = Logger.getLogger(ClientCerts.class.getName());
  public static final ClientCerts NONE = new ClientCerts(null, List.of());

  private final Path ca;
  private final Set<String> identities;

  private ClientCerts(Path ca, List<String> identities) {
    this.ca = ca;
    this.identities = Set.copyOf(identities);
  }

  /** Client certificates from {@code ca}'s CAs, naming one of {@code identities} (empty: any); null ca: none. */
  public static ClientCerts of(Path ca, List<String> identities) {
    if (ca == null) {
      if (!identities.isEmpty()) throw new IllegalArgumentException("--tls-client-identities needs --tls-client-ca");
      return NONE;
    }
    ServerCertificate.parseChain(read(ca), ca.toString()); // fails now, in one line, on a file that is no PEM
    return new ClientCerts(ca, identities);
  }

  public boolean enabled() {
    return ca != null;
  }

  /** {@code o} requiring a client certificate from the CA file; unchanged when not enabled. */
  HttpServerOptions apply(HttpServerOptions o) {
    if (!enabled()) return o;
    return o.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
  }

  ServerSSLOptions apply(ServerSSLOptions o) {
    if (!enabled()) return o;
    return o.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
  }

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
