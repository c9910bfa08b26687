package dev.laneway.gateway;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * One listening port served by {@code eventLoops} event loops: one HTTP server per event loop, all on the port the
 * first one bound (Vert.x balances a shared port's connections across its servers), each with its own handler. A
 * single server is a single event loop: under a flood of requests it falls behind however fast each refusal is,
 * because the lanes' compute threads share the same cores and the scheduler gives each runnable thread its turn; a
 * server per core keeps the front door's share of the CPU in step with the lanes'.
 *
 * <p>Created and closed by the gateway's start-up and shutdown thread.
 */
final class Listener {
  private final Vertx vertx;
  private final List<HttpServer> servers;

  private Listener(Vertx vertx, List<HttpServer> servers) {
    this.vertx = vertx;
    this.servers = servers;
  }

  /**
   * Binds {@code options} on {@code eventLoops} event loops; blocks until all listen. Port 0 picks a free port that
   * the servers share: Vert.x shares a random port between servers that ask for the same negative port number, so
   * each listener of one gateway passes its own {@code randomPortKey} (1, 2, ...).
   */
  static Listener start(Vertx vertx, int eventLoops, HttpServerOptions options,
      Supplier<Handler<HttpServerRequest>> handler, int randomPortKey) {
    List<HttpServer> servers = new CopyOnWriteArrayList<>();
    int port = options.getPort() == 0 ? -randomPortKey : options.getPort();
    Supplier<Deployable> server = () -> context -> vertx.createHttpServer(new HttpServerOptions(options).setPort(port))
        .requestHandler(handler.get()).listen().onSuccess(servers::add);
    vertx.deployVerticle(server, new DeploymentOptions().setInstances(Math.max(1, eventLoops))).await();
    return new Listener(vertx, servers);
  }

  int port() {
    return servers.get(0).actualPort();
  }

  int eventLoops() {
    return servers.size();
  }

  /**
   * Gives every server of this listener a new certificate (TLS rotation): new handshakes use it, connections already
   * open keep theirs. Completes when all have taken it.
   */
  io.vertx.core.Future<Boolean> updateSsl(io.vertx.core.net.ServerSSLOptions ssl) {
    List<io.vertx.core.Future<Boolean>> all = servers.stream().map(s -> s.updateSSLOptions(ssl)).toList();
    return io.vertx.core.Future.all(all).map(true);
  }

  /** Stops accepting connections and closes those open. */
  void close() {
    for (HttpServer s : servers) Closing.await(s.close(), "a server");
  }
}
