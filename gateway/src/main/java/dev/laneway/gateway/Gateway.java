package dev.laneway.gateway;

import dev.laneway.gateway.admin.ConfigWatcher;
import dev.laneway.gateway.admin.Reloader;
import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.oip.OipGrpc;
import dev.laneway.gateway.oip.OipRestApi;
import dev.laneway.gateway.pipeline.ClientRegion;
import dev.laneway.gateway.pipeline.Dispatcher;
import dev.laneway.gateway.pipeline.Calls;
import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.gateway.pipeline.Pipeline;
import dev.laneway.gateway.pipeline.TenantStage;
import dev.laneway.gateway.pipeline.Routes;
import dev.laneway.gateway.security.AdminDoor;
import dev.laneway.gateway.security.AuthFailures;
import dev.laneway.gateway.security.KeyChecks;
import dev.laneway.gateway.admin.AdminApi;
import dev.laneway.gateway.admin.ExplainApi;
import dev.laneway.gateway.oip.ModelCatalog;
import dev.laneway.gateway.openai.OpenAiApi;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.gateway.telemetry.TenantMetrics;
import dev.laneway.gateway.admin.DriftApi;
import dev.laneway.gateway.admin.TenantsApi;
import dev.laneway.gateway.slo.SloApi;
import dev.laneway.gateway.slo.SloGuard;
import dev.laneway.gateway.slo.SloLoader;
import dev.laneway.gateway.slo.SloSpec;
import dev.laneway.gateway.status.StatusData;
import dev.laneway.gateway.status.StatusPage;
import dev.laneway.gateway.tenants.LimiterStage;
import dev.laneway.gateway.tenants.TenantLimiter;
import dev.laneway.gateway.telemetry.MetricsServer;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.gateway.telemetry.Tracing;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.lanes.remote.RemoteNodes;
import dev.laneway.observability.Telemetry;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.topology.Topology;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.util.logging.Logger;

/**
 * One gateway process, and the one place its parts are put together: the topology, its lanes, the routing snapshot,
 * the request pipeline and the listeners with their doors. {@link #start} blocks until the gateway is ready (the order
 * and its timeline are {@link Startup}'s); {@link #drain} is what SIGTERM does.
 */
public final class Gateway implements AutoCloseable {
  public static final String VERSION = "0.1.0";
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final GatewayOptions options;
  private final Topology topology;
  private final Lanes lanes;
  private final Telemetry telemetry;
  private final Tracing tracing;
  private final Routes routes;
  private final Dispatcher dispatcher;
  private final Reloader reloader;
  private final AutoCloseable watcher;
  private final Vertx vertx;
  private final Intake intake = new Intake();
  private final Pipeline pipeline;
  private final GatewayMetrics metrics;
  private final RemoteNodes remoteNodes;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Set once the start is done (lanes warm, listeners open, self warm-up run): readiness waits for it. */
  private volatile boolean started;
  private final TenantLimiter limiter;
  private final Transport transport;
  private Listener http;
  private Listener grpc;
  private Listener adminListener;
  private MetricsServer metricsServer;

  Gateway(GatewayOptions options, Topology topology, RoutingPolicy policy, Lanes lanes, Telemetry telemetry,
      RemoteNodes remoteNodes, Transport transport, java.util.function.LongSupplier sloClock, Vertx vertx) {
    this.options = options;
    this.transport = transport;
    this.remoteNodes = remoteNodes;
    this.topology = topology;
    this.lanes = lanes;
    this.telemetry = telemetry;
    var otel = telemetry.openTelemetry();
    this.tracing = new Tracing(otel);
    this.routes = new Routes(Router.create(topology, policy));
    Reloader[] r = new Reloader[1];
    RoutingMetrics routingMetrics = new RoutingMetrics(otel.getMeter("dev.laneway.routing"), lanes,
        () -> r[0] == null ? 1 : r[0].version());
    this.dispatcher = new Dispatcher(lanes, otel, routingMetrics);
    this.reloader = r[0] = new Reloader(options.topology(), options.policy(), routes, topology);
    reloader.metrics(routingMetrics);
    reloader.guard((t, p) -> KeyChecks.refusal(p, options.allowPlaintextKeys()) != null
        ? KeyChecks.refusal(p, options.allowPlaintextKeys()) : transport.refusal(t));
    this.watcher = options.watch() ? ConfigWatcher.start(options.topology(), options.policy(), reloader) : () -> { };
    this.vertx = vertx; // made by Startup before the lanes: remote lanes send on its event loops; closed here
    this.metrics = new GatewayMetrics(otel.getMeter("dev.laneway.gateway"), lanes);
    telemetry.info("laneway_build", "Always 1: the Laneway version and the ONNX Runtime execution providers in use",
        GatewayMetrics.buildInfo(lanes));
    GatewayMetrics doorMetrics = this.metrics;
    EmbeddingCache cache = EmbeddingCache.create(options.cacheMaxBytes(), options.cacheTtl(),
        com.github.benmanes.caffeine.cache.Ticker.systemTicker(), java.util.concurrent.ForkJoinPool.commonPool(),
        key -> doorMetrics.cacheEvicted(key.model(), key.variant()));
    doorMetrics.registerCache(cache::weightedBytes, otel.getMeter("dev.laneway.gateway"));
    Calls calls = new Calls(routes, new ClientRegion(topology), options.defaultTimeout(),
        lanes.all().stream().map(Lane::id).collect(java.util.stream.Collectors.toSet()),
        new AuthFailures(otel.getMeter("dev.laneway.gateway"), System::nanoTime));
    TenantMetrics tenantMetrics = new TenantMetrics(otel.getMeter("dev.laneway.gateway"));
    this.limiter = TenantLimiter.connect(vertx, options.limitsRedis(), options.limitsRedisPrefix(),
        options.limitsRegion() != null ? options.limitsRegion() : topology.localRegion(), options.limitsFailMode());
    TenantStage tenants = new TenantStage(lanes::countTokens, new LimiterStage(limiter), tenantMetrics);
    SloSpec slo = SloLoader.load(options.slo());
    this.pipeline = new Pipeline(calls, tenants, dispatcher, cache, doorMetrics, tenantMetrics, lanes,
        otel.getTracer("dev.laneway.gateway"), SloGuard.create(options.sloShedding() ? slo : slo.withoutShedding(),
            otel.getMeter("dev.laneway.gateway"), sloClock));
  }

  /**
   * Loads the topology, starts and warms every lane, then opens the listeners. Blocks until ready. Tracing and
   * metrics come from the {@code --otel-*} options over {@code OTEL_*} environment variables (see {@link Telemetry}).
   */
  public static Gateway start(GatewayOptions options) {
    String service = options.otelServiceName() != null ? options.otelServiceName()
        : options.nodeRegion() != null ? "laneway-node" : "laneway-gateway";
    // built beside the topology's reading: a first start spent 0.2 s on the OpenTelemetry SDK before it
    CompletableFuture<Telemetry> telemetry = new CompletableFuture<>();
    Thread.ofPlatform().name("laneway-telemetry-start").daemon(true).start(() -> {
      try {
        telemetry.complete(Telemetry.start(service, options.otelOverrides()));
      } catch (Throwable e) {
        telemetry.completeExceptionally(e);
      }
    });
    return start(options, telemetry, System::nanoTime);
  }

  /**
   * As {@link #start(GatewayOptions)}, with telemetry built by the caller (tests add in-memory exporters this way).
   * The gateway owns {@code telemetry} from here on and closes it, also when starting fails.
   */
  public static Gateway start(GatewayOptions options, Telemetry telemetry) {
    return start(options, telemetry, System::nanoTime);
  }

  /** As {@link #start(GatewayOptions, Telemetry)}, with the SLO guard's clock (tests move it by hand). */
  public static Gateway start(GatewayOptions options, Telemetry telemetry, java.util.function.LongSupplier sloClock) {
    return start(options, CompletableFuture.completedFuture(telemetry), sloClock);
  }

  private static Gateway start(GatewayOptions options, CompletableFuture<Telemetry> telemetry,
      java.util.function.LongSupplier sloClock) {
    try {
      return Startup.start(options, telemetry, sloClock);
    } catch (RuntimeException e) {
      telemetry.thenAccept(Telemetry::close); // at once when built, else once it is
      throw e;
    }
  }

  /** Opens the listeners: REST (OIP, OpenAI, explain, SLO, status: a router per event loop), metrics, gRPC, admin. */
  void listen() {
    ModelCatalog catalog = new ModelCatalog(routes, lanes, intake, () -> started);
    OipRestApi oip = new OipRestApi(pipeline, intake, tracing, catalog, options);
    OpenAiApi openAi = new OpenAiApi(pipeline, intake, tracing, routes, options);
    ExplainApi explain = new ExplainApi(pipeline, lanes, reloader, limiter);
    AdminDoor door = AdminDoor.create(options.adminToken(), options.adminTokenFile());
    AdminApi admin = new AdminApi(lanes, topology, routes, reloader, door.token());
    TenantsApi tenantsApi = new TenantsApi(routes, limiter);
    SloApi sloApi = new SloApi(pipeline.slo());
    StatusPage status = new StatusPage(new StatusData(topology, lanes, pipeline.slo(), metrics, options.traceUrl()));
    HttpServerOptions httpOptions = new HttpServerOptions().setHost(options.host()).setPort(options.httpPort())
        .setCompressionSupported(false).setTcpNoDelay(true);
    http = Listener.start(vertx, options.eventLoops(), transport.applyClients(httpOptions, false), () -> {
      io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
      BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
      OipRestApi.plumbing(router, options.maxBodyBytes());
      oip.mount(router, body);
      openAi.mount(router);
      explain.mount(router, body);
      sloApi.mount(router);
      status.mount(router);
      door.refuseOn(router);
      return router;
    }, 1);
    transport.serving("HTTP", options.host(), http);
    metricsServer = MetricsServer.start(vertx, telemetry, options.host(), options.metricsPort(), transport::apply);
    transport.serving(metricsServer);
    OipGrpc oipGrpc = new OipGrpc(pipeline, intake, tracing, catalog, options.maxTexts());
    grpc = Listener.start(vertx, options.eventLoops(), transport.applyClients(new HttpServerOptions()
        .setHost(options.host()).setPort(options.grpcPort()).setTcpNoDelay(true), true),
        () -> transport.guard(oipGrpc.server(vertx, options.maxBodyBytes(), this::ready)), 2);
    transport.serving("gRPC", options.host(), grpc);
    adminListener = Listener.start(vertx, 1, transport.apply(new HttpServerOptions().setHost(options.adminHost())
        .setPort(options.adminPort())), () -> {
          io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
          door.audit(router);
          admin.mount(router);
          tenantsApi.mount(router);
          new DriftApi(lanes.drift()).mount(router);
          return router;
        }, 3);
    transport.serving("admin", options.adminHost(), adminListener);
    transport.started(telemetry.openTelemetry().getMeter("dev.laneway.gateway"));
  }

  public int httpPort() {
    return http.port();
  }

  public int grpcPort() {
    return grpc.port();
  }

  /** The port of the admin listener ({@code /v2/admin}). */
  public int adminPort() {
    return adminListener.port();
  }

  /** The port of the Prometheus listener ({@code GET /metrics}). */
  public int metricsPort() {
    return metricsServer.port();
  }

  /** The listeners' certificate ({@link dev.laneway.gateway.security.ServerTls#NONE} without TLS). */
  public dev.laneway.gateway.security.ServerTls tls() {
    return transport.tls();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public Topology topology() {
    return topology;
  }

  public Lanes lanes() {
    return lanes;
  }

  /** The routing pipeline's dispatcher (its hedge counts, for tests and the admin view). */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** The routing snapshot serving now, swapped by reloads. */
  public Routes routes() {
    return routes;
  }

  public Reloader reloader() {
    return reloader;
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** The front gate: requests accepted and not yet answered, and whether new ones are taken. */
  public Intake intake() {
    return intake;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** Started, taking requests, and every model has a warm lane ({@code /v2/health/ready}). */
  public boolean ready() {
    return started && !intake.draining() && lanes.allReady();
  }

  /** The start is done: readiness follows the lanes from now on. Called once by {@link Startup}. */
  void started() {
    started = true;
  }

  public boolean draining() {
    return intake.draining();
  }

  /** Requests accepted and not yet answered. */
  public long inFlight() {
    return intake.inFlight();
  }

  /**
   * What SIGTERM does: readiness goes false and new requests get 503 at once; requests already accepted are
   * answered (up to the drain timeout); then the listeners and lanes close.
   */
  public void drain() {
    if (closed.get()) return; // drained (SIGTERM drains, then exits; the shutdown hook finds it done) or closed
    intake.stopAccepting();
    LOG.info("draining: readiness is false; finishing " + intake.inFlight() + " accepted requests");
    if (!intake.awaitIdle(options.drainTimeout())) {
      LOG.warning("drain timeout: " + intake.inFlight() + " requests still open");
    }
    close();
    LOG.info("stopped");
  }

  /** Closes the listeners, the lanes and telemetry (flushing spans); idempotent. */
  @Override
  public void close() {
    intake.stopAccepting();
    if (!closed.compareAndSet(false, true)) return;
    try {
      watcher.close();
    } catch (Exception ignored) {
      // a watcher that cannot close is stopping anyway
    }
    transport.close();
    if (http != null) {
      http.close();
    }
    if (grpc != null) {
      grpc.close();
    }
    if (adminListener != null) adminListener.close();
    if (metricsServer != null) {
      metricsServer.close();
    }
    lanes.drainAndClose(options.drainTimeout().toMillis());
    dispatcher.close();
    if (remoteNodes != null) remoteNodes.close();
    limiter.close();
    Closing.await(vertx.close(), "Vert.x");
    telemetry.close();
  }
}
