package dev.laneway.gateway;

import dev.laneway.gateway.admin.ConfigWatcher;
import dev.laneway.gateway.security.ClientCerts;
import dev.laneway.gateway.security.ServerTls;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import dev.laneway.gateway.security.TransportChecks;
import dev.laneway.gateway.telemetry.MetricsServer;
import dev.laneway.topology.Topology;
import io.opentelemetry.api.metrics.Meter;
import io.vertx.core.http.HttpServerOptions;
import java.time.InstantSource;
import java.util.logging.Logger;

/**
 * How the gateway's listeners speak: TLS from {@code --tls-cert}/{@code --tls-key} ({@link ServerTls}) or plaintext,
 * checked at start ({@code --tls-required} or the topology's {@code tls_required}: plaintext refused; a plaintext
 * listener beyond loopback: a warning), the certificate files watched and rotated without a restart
 * ({@code --watch}). Built and closed by the gateway's start-up and shutdown thread.
 */
final class Transport implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Transport.class.getName());

  private final GatewayOptions options;
  private final ServerTls tls;
  private AutoCloseable watcher = () -> { };

  private Transport(GatewayOptions options, ServerTls tls) {
    this.options = options;
    this.tls = tls;
  }

  /**
   * Loads and checks the certificate; throws {@link IllegalArgumentException} (one line) when it is bad or when TLS is
   * required and something would run in clear.
   */
  static Transport start(GatewayOptions options, Topology topology) {
    ServerTls tls = ServerTls.load(options.tlsCert(), options.tlsKey(),
        ClientCerts.of(options.tlsClientCa(), options.tlsClientIdentities(), options.tlsClientAuth()),
        InstantSource.system());
    String refused = TransportChecks.refusal(options.tlsRequired(), tls.enabled(), topology);
    if (refused != null) throw new IllegalArgumentException(refused);
    return new Transport(options, tls);
  }

  ServerTls tls() {
    return tls;
  }

  /** Why a reloaded topology may not serve (TLS required and something plaintext), or null. */
  String refusal(Topology topology) {
    return TransportChecks.refusal(options.tlsRequired(), tls.enabled(), topology);
  }

  /** {@code o} with TLS when the gateway has a certificate. */
  HttpServerOptions apply(HttpServerOptions o) {
    return tls.apply(o);
  }

  /**
   * {@code o} with TLS, and client certificates asked for when {@code --tls-client-ca} is set, as
   * {@code --tls-client-auth} says for the gRPC listener ({@code grpc}: by default required, the link gateways use to
   * reach a node) or REST (by default requested, so health probes need none).
   */
  HttpServerOptions applyClients(HttpServerOptions o, boolean grpc) {
    return tls.applyClients(o, grpc);
  }

  /** A door's handler behind the client identity check ({@code --tls-client-identities}); itself when none. */
  Handler<HttpServerRequest> guard(Handler<HttpServerRequest> handler) {
    return tls.clients().guard(handler);
  }

  /** A listener now serving: warned about when plaintext beyond loopback, given each rotated certificate. */
  void serving(String what, String host, Listener listener) {
    warnIfPlaintext(what, host);
    switch (what) {
      case "gRPC" -> tls.registerClients(listener::updateSsl, true);
      case "HTTP" -> tls.registerClients(listener::updateSsl, false);
      default -> tls.register(listener::updateSsl);
    }
  }

  void serving(MetricsServer metrics) {
    warnIfPlaintext("metrics", options.host());
    tls.register(metrics::updateSsl);
  }

  private void warnIfPlaintext(String what, String host) {
    String w = TransportChecks.plaintextWarning(what, host, tls.enabled());
    if (w != null) LOG.warning(w);
  }

  /** After the listeners: the expiry gauge, and the certificate files watched (with {@code --watch}). */
  void started(Meter meter) {
    tls.registerMetrics(meter);
    if (options.watch()) {
      watcher = ConfigWatcher.watch(tls.files(), () -> tls.reload("file watch"), "restart to rotate the certificate");
    }
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (Exception ignored) {
      // a watcher that cannot close is stopping anyway
    }
  }
}
