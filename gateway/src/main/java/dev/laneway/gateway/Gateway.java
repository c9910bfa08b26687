package dev.laneway.gateway;

import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.observability.Telemetry;
import dev.laneway.routing.Router;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One gateway process: the topology, its lanes (loaded and warmed before anything listens), the dispatcher and the
 * listeners. {@link #start} blocks until the gateway is ready; {@link #drain} is what SIGTERM does.
 */
public final class Gateway implements AutoCloseable {
  static final String VERSION = "0.1.0";
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final GatewayOptions options;
  private final Topology topology;
  private final Lanes lanes;
  private final Dispatcher dispatcher;
  private final Telemetry telemetry;
  private final Tracing tracing;
  private final ClientRegion clientRegion;
  private final Vertx vertx;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private HttpServer http;

  private Gateway(GatewayOptions options, Topology topology, Lanes lanes, Telemetry telemetry) {
    this.options = options;
    this.topology = topology;
    this.lanes = lanes;
    this.telemetry = telemetry;
    this.tracing = new Tracing(telemetry.openTelemetry());
    this.dispatcher = new Dispatcher(topology, Router.create(topology), lanes);
    this.clientRegion = new ClientRegion(topology);
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
  }

  /** Loads the topology, starts and warms every lane, then opens the listeners. Blocks until ready. */
  public static Gateway start(GatewayOptions options) {
    long t0 = System.nanoTime();
    Topology topology =
        options.topology() == null ? TopologyLoader.embeddedDefault() : TopologyLoader.load(options.topology());
    LOG.info("topology " + topology.source() + ": " + topology.regions().size() + " regions, "
        + topology.lanes().size() + " lanes, " + topology.models().size() + " models; local region "
        + topology.localRegion());
    Telemetry telemetry = Telemetry.create("laneway-gateway");
    Lanes lanes;
    try {
      lanes = Lanes.start(topology, telemetry.openTelemetry());
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
    for (Lane lane : lanes.all()) {
      for (DeviceStatus d : lane.devices()) {
        if (d.standIn()) {
          LOG.warning("lane " + lane.id() + ": device " + d.device() + " (" + d.kind() + ") is a CPU stand-in: "
              + d.reason());
        } else {
          LOG.info("lane " + lane.id() + ": device " + d.device() + " (" + d.kind() + ") on " + d.provider());
        }
      }
    }
    Gateway g = new Gateway(options, topology, lanes, telemetry);
    try {
      g.listen();
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    LOG.info("ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms: HTTP on "
        + options.host() + ":" + g.httpPort());
    return g;
  }

  private void listen() {
    OipRestApi rest = new OipRestApi(this, options);
    HttpServerOptions httpOptions = new HttpServerOptions()
        .setHost(options.host())
        .setPort(options.httpPort())
        .setCompressionSupported(false)
        .setTcpNoDelay(true);
    http = vertx.createHttpServer(httpOptions).requestHandler(rest.router(vertx))
        .listen().await();
  }

  public int httpPort() {
    return http.actualPort();
  }

  public Topology topology() {
    return topology;
  }

  public Lanes lanes() {
    return lanes;
  }

  Dispatcher dispatcher() {
    return dispatcher;
  }

  Tracing tracing() {
    return tracing;
  }

  ClientRegion clientRegion() {
    return clientRegion;
  }

  public boolean ready() {
    return !draining && lanes.allReady();
  }

  public boolean draining() {
    return draining;
  }

  /** Counts a new request in, unless draining. */
  boolean accept() {
    if (draining) return false;
    inFlight.incrementAndGet();
    if (draining) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  void release() {
    inFlight.decrementAndGet();
  }

  /** Requests accepted and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * What SIGTERM does: readiness goes false and new requests get 503 at once; requests already accepted are
   * answered (up to the drain timeout); then the listeners and lanes close.
   */
  public void drain() {
    draining = true;
    LOG.info("draining: readiness is false; finishing " + inFlight.get() + " accepted requests");
    long end = System.nanoTime() + options.drainTimeout().toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warning("drain timeout: " + inFlight.get() + " requests still open");
    }
    close();
    LOG.info("stopped");
  }

  @Override
  public void close() {
    draining = true;
    if (http != null) {
      http.close().await();
    }
    lanes.drainAndClose(options.drainTimeout().toMillis());
    vertx.close().await();
    telemetry.close();
  }
}
