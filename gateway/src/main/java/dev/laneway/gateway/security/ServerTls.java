package dev.laneway.gateway.security;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The listeners' certificate ({@code --tls-cert}, {@code --tls-key}): every listener that serves TLS (REST, gRPC,
 * metrics, admin) serves this one, TLS 1.3 preferred and 1.2 allowed, ALPN offering {@code h2} then
 * {@code http/1.1} (so gRPC negotiates HTTP/2). {@link #reload} re-reads the files, checks the new pair
 * ({@link ServerCertificate}: parses, key matches, valid now) and only then hands it to every registered server
 * ({@code HttpServer.updateSSLOptions}: new handshakes get it, open connections keep theirs); a pair that fails the
 * check is refused with one log line and the old one keeps serving.
 *
 * <p>Without a certificate it is the null object {@link #NONE}: options pass through, nothing reloads. The gauge
 * {@code laneway_tls_certificate_expiry_seconds{certificate="server"}} gives the serving leaf's seconds to expiry.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.load(cert, key, InstantSource.system());
 * HttpServerOptions o = tls.apply(new HttpServerOptions());
 * tls.register(listener::updateSsl);
 * tls.reload("file watch");
 * }</pre>
 *
 * <p>Thread-safety: {@link #reload} is serialised (the file watcher's thread, tests); the rest is read anywhere.
 */
public final class ServerTls {
  private static final Logger LOG = Logger.getLogger(ServerTls.class.getName());
  /** TLS 1.3 first; 1.2 for older clients. */
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
  /** ALPN: HTTP/2 first (gRPC needs it), then HTTP/1.1. */
  public static final List<String> ALPN = List.of("h2", "http/1.1");
  static final AttributeKey<String> CERTIFICATE = AttributeKey.stringKey("certificate");

  /** No certificate: every listener stays plaintext. */
  public static final ServerTls NONE = new ServerTls(null, null, InstantSource.system(), null, ClientCerts.NONE);

  private final Path certFile;
  private final Path keyFile;
  private final InstantSource clock;
  private final ClientCerts clients;
  private volatile ServerCertificate current;
  private final List<Function<ServerSSLOptions, Future<Boolean>>> servers = new CopyOnWriteArrayList<>();
  private final List<ClientServer> clientServers = new CopyOnWriteArrayList<>();

  /** A server that asks for client certificates: the gRPC listener's or REST's ({@link ClientCerts.Mode}). */
  private record ClientServer(Function<ServerSSLOptions, Future<Boolean>> server, boolean grpc) {}

  private ServerTls(Path certFile, Path keyFile, InstantSource clock, ServerCertificate current, ClientCerts clients) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.clock = clock;
    this.current = current;
    this.clients = clients;
  }

  /**
   * The pair in the files, checked; {@link #NONE} when both are null. Throws {@link ServerCertificate.Refused} (one
   * line) when the pair is bad or only one file is given: a gateway does not start on a certificate it cannot serve.
   */
  public static ServerTls load(Path certFile, Path keyFile, InstantSource clock) {
    return load(certFile, keyFile, ClientCerts.NONE, clock);
  }

  /** As {@link #load(Path, Path, InstantSource)}, the gRPC listener requiring client certificates as given. */
  public static ServerTls load(Path certFile, Path keyFile, ClientCerts clients, InstantSource clock) {
    if (certFile == null && keyFile == null) {
      if (clients.enabled()) throw new ServerCertificate.Refused("--tls-client-ca needs --tls-cert and --tls-key");
      return NONE;
    }
    if (certFile == null || keyFile == null) {
      throw new ServerCertificate.Refused("--tls-cert and --tls-key: give both (a PEM chain and its PKCS#8 key)");
    }
    ServerCertificate c = ServerCertificate.load(certFile, keyFile, clock.instant());
    LOG.info("tls: serving " + c.describe() + " from " + certFile);
    return new ServerTls(certFile, keyFile, clock, c, clients);
  }

  /** The client certificates the listeners ask for ({@link ClientCerts#NONE}: none). */
  public ClientCerts clients() {
    return clients;
  }

  /**
   * {@link #apply}, and client certificates asked for when {@code --tls-client-ca} is set (mutual TLS), as
   * {@code --tls-client-auth} says for the gRPC listener ({@code grpc}) or REST.
   */
  public HttpServerOptions applyClients(HttpServerOptions options, boolean grpc) {
    return clients.apply(apply(options), grpc);
  }

  /** Registers a server that asks for client certificates (see {@link #applyClients}). */
  public void registerClients(Function<ServerSSLOptions, Future<Boolean>> server, boolean grpc) {
    if (enabled()) clientServers.add(new ClientServer(server, grpc));
  }

  public boolean enabled() {
    return current != null;
  }

  /** The files to watch ({@link #reload} on change); empty without TLS. */
  public List<Path> files() {
    return enabled() ? List.of(certFile, keyFile) : List.of();
  }

  /** The serving certificate, or null without TLS. */
  public ServerCertificate current() {
    return current;
  }

  /** {@code options} with TLS on (the serving pair, protocols, ALPN); unchanged without TLS. */
  public HttpServerOptions apply(HttpServerOptions options) {
    ServerCertificate c = current;
    if (c == null) return options;
    return options.setSsl(true).setUseAlpn(true).setKeyCertOptions(keyCert(c))
        .setEnabledSecureTransportProtocols(PROTOCOLS);
  }

  /** Registers a server (or a listener's servers) to be given each new pair; nothing happens without TLS. */
  public void register(Function<ServerSSLOptions, Future<Boolean>> server) {
    if (enabled()) servers.add(server);
  }

  /**
   * Re-reads the files; a pair that passes the checks is handed to every registered server. Returns whether it now
   * serves the files' pair; a refused pair logs one line and the old one keeps serving.
   */
  public synchronized boolean reload(String trigger) {
    if (!enabled()) return false;
    ServerCertificate next;
    try {
      next = ServerCertificate.load(certFile, keyFile, clock.instant());
    } catch (ServerCertificate.Refused e) {
      LOG.warning("tls: new certificate refused (" + trigger + "), the old one keeps serving: " + e.getMessage());
      return false;
    }
    ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(keyCert(next)).setUseAlpn(true)
        .setApplicationLayerProtocols(ALPN).setEnabledSecureTransportProtocols(PROTOCOLS);
    try {
      for (var s : servers) s.apply(ssl).await(30, TimeUnit.SECONDS);
      for (var s : clientServers) s.server().apply(clients.apply(ssl.copy(), s.grpc())).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warning("tls: new certificate not taken (" + trigger + "): " + e.getMessage());
      return false;
    }
    current = next;
    LOG.info("tls: rotated (" + trigger + "): now serving " + next.describe());
    return true;
  }

  /** The expiry gauge: seconds from now to the serving leaf's notAfter. */
  public void registerMetrics(Meter meter) {
    if (!enabled()) return;
    Attributes a = Attributes.of(CERTIFICATE, "server");
    meter.gaugeBuilder("laneway.tls.certificate.expiry").setUnit("s")
        .setDescription("Seconds until the serving TLS certificate expires (negative: expired)")
        .buildWithCallback(m -> m.record(current.expiresIn(clock.instant()), a));
  }

  private static PemKeyCertOptions keyCert(ServerCertificate c) {
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(c.certPem())).setKeyValue(Buffer.buffer(c.keyPem()));
  }
}
