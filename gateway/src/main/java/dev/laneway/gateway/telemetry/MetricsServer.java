package dev.laneway.gateway.telemetry;

import dev.laneway.observability.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Prometheus listener: {@code GET /metrics} answers every metric of the process in the text format 0.0.4
 * (through the OpenTelemetry SDK's Prometheus reader, see {@link Telemetry#prometheusText()}); anything else is 404,
 * or 405 for another method on {@code /metrics}. Its own port ({@code --metrics-port}, default 8002) so that scrapers
 * never queue behind inference traffic.
 *
 * <p>Requests arrive on a Vert.x event loop; collecting runs gauge callbacks (lane and device state), so it runs on a
 * worker thread and the answer is written back on the event loop.
 */
public final class MetricsServer {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());

  private final Telemetry telemetry;
  private final HttpServer server;

  private MetricsServer(Telemetry telemetry, HttpServer server) {
    this.telemetry = telemetry;
    this.server = server;
  }

  /** Binds {@code host:port} (0 picks a free port); blocks the calling (non event-loop) thread until bound. */
  public static MetricsServer start(Vertx vertx, Telemetry telemetry, String host, int port) {
    return start(vertx, telemetry, host, port, o -> o);
  }

  /** As {@link #start(Vertx, Telemetry, String, int)}, with {@code tls} applied to the server's options. */
  public static MetricsServer start(Vertx vertx, Telemetry telemetry, String host, int port,
      java.util.function.UnaryOperator<HttpServerOptions> tls) {
    HttpServer server = vertx.createHttpServer(tls.apply(new HttpServerOptions().setHost(host).setPort(port)
        .setCompressionSupported(false).setTcpNoDelay(true)));
    MetricsServer m = new MetricsServer(telemetry, server);
    server.requestHandler(m::handle).listen().await();
    return m;
  }

  private void handle(HttpServerRequest request) {
    if (!request.path().equals("/metrics")) {
      request.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8")
          .end("no such endpoint: " + request.path() + " (metrics are at /metrics)\n");
      return;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    Vertx vertx = Vertx.currentContext().owner();
    Future<String> text = vertx.executeBlocking(telemetry::prometheusText, false);
    text.onComplete(ar -> {
      if (ar.succeeded()) {
        request.response().setStatusCode(200).putHeader("content-type", CONTENT_TYPE).end(ar.result());
      } else {
        LOG.log(Level.WARNING, "metrics collection failed", ar.cause());
        request.response().setStatusCode(503).putHeader("content-type", "text/plain; charset=utf-8")
            .end("metrics collection failed: " + ar.cause() + "\n");
      }
    });
  }

  public int port() {
    return server.actualPort();
  }

  /** Gives the server a new certificate (TLS rotation); open connections keep theirs. */
  public Future<Boolean> updateSsl(io.vertx.core.net.ServerSSLOptions ssl) {
    return server.updateSSLOptions(ssl);
  }

  /** Blocks until closed; call from a non event-loop thread. */
  public void close() {
    dev.laneway.gateway.Closing.await(server.close(), "the metrics server");
  }
}
