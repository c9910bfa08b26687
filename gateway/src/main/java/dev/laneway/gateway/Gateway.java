package dev.laneway.gateway;

import dev.laneway.gateway.admin.ConfigWatcher;
import dev.laneway.gateway.admin.Reloader;
import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.oip.OipGrpc;
import dev.laneway.gateway.oip.OipRestApi;
import dev.laneway.gateway.pipeline.ClientRegion;
import dev.laneway.gateway.pipeline.Dispatcher;
import dev.laneway.gateway.pipeline.InferenceService;
import dev.laneway.gateway.pipeline.NodePolicy;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.gateway.telemetry.MetricsServer;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.gateway.telemetry.Tracing;
import dev.laneway.lanes.Admission;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.lanes.remote.RemoteNodes;
import dev.laneway.observability.Telemetry;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One gateway process: the topology, its lanes (loaded and warmed before anything listens), the dispatcher and the
 * listeners. {@link #start} blocks until the gateway is ready; {@link #drain} is what SIGTERM does.
 */
public final class Gateway implements AutoCloseable {
  public static final String VERSION = "0.1.0";
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final GatewayOptions options;
  private final Topology topology;
  private final Lanes lanes;
  private final Dispatcher dispatcher;
  private final Telemetry telemetry;
  private final Tracing tracing;
  private final ClientRegion clientRegion;
  private final Reloader reloader;
  private final AutoCloseable watcher;
  private final Vertx vertx;
  private final EmbeddingCache cache;
  private final InferenceService inferenceService;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private Listener http;
  private Listener grpc;
  private final GatewayMetrics metrics;
  private MetricsServer metricsServer;
  private final RemoteNodes remoteNodes;

  private Gateway(GatewayOptions options, Topology topology, RoutingPolicy policy, Lanes lanes, Telemetry telemetry,
      RemoteNodes remoteNodes) {
    this.options = options;
    this.remoteNodes = remoteNodes;
    this.topology = topology;
    this.lanes = lanes;
    this.telemetry = telemetry;
    this.tracing = new Tracing(telemetry.openTelemetry());
    Reloader[] r = new Reloader[1];
    RoutingMetrics metrics = new RoutingMetrics(telemetry.openTelemetry().getMeter("dev.laneway.routing"), lanes,
        () -> r[0] == null ? 1 : r[0].version());
    this.dispatcher = new Dispatcher(Router.create(topology, policy), lanes, telemetry.openTelemetry(), metrics);
    this.reloader = r[0] = new Reloader(options.topology(), options.policy(), dispatcher, topology);
    reloader.metrics(metrics);
    this.watcher = options.watch() ? ConfigWatcher.start(options.topology(), options.policy(), reloader) : () -> { };
    this.clientRegion = new ClientRegion(topology);
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
    this.metrics = new GatewayMetrics(telemetry.openTelemetry().getMeter("dev.laneway.gateway"), lanes);
    telemetry.info("laneway_build", "Always 1: the Laneway version and the ONNX Runtime execution providers in use",
        GatewayMetrics.buildInfo(lanes));
    GatewayMetrics doorMetrics = this.metrics;
    this.cache = EmbeddingCache.create(options.cacheMaxBytes(), options.cacheTtl(),
        com.github.benmanes.caffeine.cache.Ticker.systemTicker(), java.util.concurrent.ForkJoinPool.commonPool(),
        key -> doorMetrics.cacheEvicted(key.model(), key.variant()));
    doorMetrics.registerCache(cache::weightedBytes, telemetry.openTelemetry().getMeter("dev.laneway.gateway"));
    this.inferenceService = new InferenceService(lanes, dispatcher, cache, doorMetrics,
        telemetry.openTelemetry().getTracer("dev.laneway.gateway"), clientRegion, options.defaultTimeout());
  }

  /**
   * Loads the topology, starts and warms every lane, then opens the listeners. Blocks until ready. Tracing and
   * metrics come from the {@code --otel-*} options over {@code OTEL_*} environment variables (see {@link Telemetry}).
   */
  public static Gateway start(GatewayOptions options) {
    String service = options.otelServiceName() != null ? options.otelServiceName()
        : options.nodeRegion() != null ? "laneway-node" : "laneway-gateway";
    return start(options, Telemetry.start(service, options.otelOverrides()));
  }

  /**
   * As {@link #start(GatewayOptions)}, with telemetry built by the caller (tests add in-memory exporters this way).
   * The gateway owns {@code telemetry} from here on and closes it, also when starting fails.
   */
  public static Gateway start(GatewayOptions options, Telemetry telemetry) {
    try {
      return startWith(options, telemetry);
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
  }

  private static Gateway startWith(GatewayOptions options, Telemetry telemetry) {
    long t0 = System.nanoTime();
    LOG.info(telemetry.startupHint());
    Topology topology =
        options.topology() == null ? TopologyLoader.embeddedDefault() : TopologyLoader.load(options.topology());
    LOG.info("topology " + topology.source() + ": " + topology.regions().size() + " regions, "
        + topology.lanes().size() + " lanes, " + topology.models().size() + " models; local region "
        + topology.localRegion());
    String nodeRegion = options.nodeRegion();
    if (nodeRegion != null && topology.regions().stream().noneMatch(r -> r.id().equals(nodeRegion))) {
      throw new IllegalArgumentException("--region " + nodeRegion + ": not a region of " + topology.source());
    }
    // an executor node (laneway node --region R) routes only to the lane a request names, among its own lanes
    RoutingPolicy policy = nodeRegion != null ? NodePolicy.of(topology, nodeRegion)
        : Reloader.initialPolicy(options.policy(), topology);
    LOG.info("policy " + policy.source() + ": " + policy.rules().size() + " rules, " + policy.tenants().size()
        + " tenants");
    if (!policy.requireApiKey()) {
      LOG.warning("policy " + policy.source() + " runs open: no API key required (callers without x-api-key are "
          + "tenant 'anonymous')");
    }
    if (options.adminToken().isEmpty()) {
      LOG.warning("admin API: no --admin-token set; /v2/admin answers loopback clients only");
    }
    RemoteNodes remote = nodeRegion != null ? null
        : RemoteNodes.create(topology, telemetry.openTelemetry(), options.remoteProbeInterval());
    Admission.persistIn(options.admissionCache());
    Lanes lanes; // executors record batch spans and lane metrics
    try {
      lanes = nodeRegion != null
          ? Lanes.start(topology, telemetry.openTelemetry(), l -> NodePolicy.serves(l, nodeRegion), null)
          : Lanes.start(topology, telemetry.openTelemetry(), l -> true, remote == null ? null : remote::lane);
    } catch (RuntimeException e) {
      if (remote != null) remote.close();
      throw e;
    }
    if (nodeRegion != null && !options.nodeDelay().isZero()) {
      // the declared RTT on loopback: injected device latency, so it runs inside the lane, under the deadline
      for (Lane lane : lanes.all()) {
        for (String d : lane.spec().devices()) lanes.faults().setFault(d, options.nodeDelay(), null, false);
      }
      LOG.info("node delay " + options.nodeDelay().toMillis() + " ms before each request (--node-delay)");
    }
    if (remote != null) remote.startProbes(lanes);
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
    Gateway g;
    try {
      g = new Gateway(options, topology, policy, lanes, telemetry, remote);
    } catch (RuntimeException e) {
      lanes.close();
      if (remote != null) remote.close();
      throw e;
    }
    try {
      g.listen();
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    LOG.info((nodeRegion != null ? "node " + nodeRegion + " " : "") + "ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms: HTTP on "
        + options.host() + ":" + g.httpPort() + ", gRPC on " + options.host() + ":" + g.grpcPort() + ", metrics on "
        + options.host() + ":" + g.metricsPort() + "/metrics");
    return g;
  }

  private void listen() {
    OipRestApi rest = new OipRestApi(this, options);
    HttpServerOptions httpOptions = new HttpServerOptions()
        .setHost(options.host())
        .setPort(options.httpPort())
        .setCompressionSupported(false)
        .setTcpNoDelay(true);
    http = Listener.start(vertx, options.eventLoops(), httpOptions, () -> rest.router(vertx), 1);
    metricsServer = MetricsServer.start(vertx, telemetry, options.host(), options.metricsPort());
    grpc = Listener.start(vertx, options.eventLoops(), new HttpServerOptions().setHost(options.host())
        .setPort(options.grpcPort()).setTcpNoDelay(true), this::grpcServer, 2);
  }

  /** OIP gRPC, grpc.health.v1 (the OIP service and "" follow readiness) and server reflection, on one server. */
  private io.vertx.grpc.server.GrpcServer grpcServer() {
    io.vertx.grpc.server.GrpcServer server = io.vertx.grpc.server.GrpcServer.server(vertx,
        new io.vertx.grpc.server.GrpcServerOptions().setMaxMessageSize(options.maxBodyBytes()));
    server.addService(new OipGrpc(this, options).service());
    io.vertx.grpc.health.HealthService health = io.vertx.grpc.health.HealthService.create(vertx);
    health.register(OipGrpc.SERVICE, () -> io.vertx.core.Future.succeededFuture(ready()));
    health.register("", () -> io.vertx.core.Future.succeededFuture(ready()));
    server.addService(health);
    server.addService(io.vertx.grpc.reflection.ReflectionService.v1());
    return server;
  }

  public int httpPort() {
    return http.port();
  }

  public int grpcPort() {
    return grpc.port();
  }

  /** The port of the Prometheus listener ({@code GET /metrics}). */
  public int metricsPort() {
    return metricsServer.port();
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  public Topology topology() {
    return topology;
  }

  public Lanes lanes() {
    return lanes;
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  Telemetry telemetry() {
    return telemetry;
  }

  public InferenceService inferenceService() {
    return inferenceService;
  }

  public Reloader reloader() {
    return reloader;
  }

  public Tracing tracing() {
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
  public boolean accept() {
    if (draining) return false;
    inFlight.incrementAndGet();
    if (draining) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  public void release() {
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

  /** Closes the listeners, the lanes and telemetry (flushing spans); idempotent. */
  @Override
  public void close() {
    draining = true;
    if (!closed.compareAndSet(false, true)) return;
    try {
      watcher.close();
    } catch (Exception ignored) {
      // a watcher that cannot close is stopping anyway
    }
    if (http != null) {
      http.close();
    }
    if (grpc != null) {
      grpc.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    lanes.drainAndClose(options.drainTimeout().toMillis());
    dispatcher.close();
    if (remoteNodes != null) remoteNodes.close();
    vertx.close().await();
    telemetry.close();
  }
}
