package dev.laneway.lanes.remote;

import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.oip.ServerReadyResponse;
import dev.laneway.protocol.Oip;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The client side of remote lanes: the Vert.x gRPC clients (plain h2c, TLS, and each pinned link's own) shared by
 * every {@link RemoteLane}, on the gateway's own Vert.x, one client per event loop that sends ({@link LoopClients}:
 * a call sent from a door's event loop uses that loop's HTTP/2 connection to the node, so it is written, read and
 * answered on the door's thread without a hand-off; each node gets one multiplexed connection per such loop), and the
 * active health check: every {@code --remote-probe-interval} each remote lane's node is asked {@code ServerReady}; a
 * probe that fails or answers not-ready ejects the lane ({@link dev.laneway.lanes.LaneHealth#eject}: its breaker opens,
 * when closed or half-open), so routing skips the node without spending requests on it; the breaker's own
 * {@code wait_in_open} then lets it half-open and real requests decide whether it rejoins, exactly as for a local
 * lane. Passive health is the breaker itself.
 *
 * <pre>{@code
 * RemoteNodes nodes = RemoteNodes.create(vertx, topology, otel, Duration.ofSeconds(2));   // null: no remote lanes
 * Lanes lanes = Lanes.start(topology, otel, spec -> true, nodes::lane);
 * nodes.startProbes(lanes);
 * ...
 * lanes.drainAndClose(30_000);
 * nodes.close();      // the clients and probe timers; then the owner closes vertx
 * }</pre>
 *
 * <p>Uses the caller's Vert.x (the gateway's) and never closes it: {@link #close} stops the probes and closes the
 * clients only. Probes run on an event loop and never block. {@link #lane} is called on the lanes' loader threads.
 */
public final class RemoteNodes implements AutoCloseable {
  /** OIP gRPC {@code ModelInfer} as a client calls it: the remote lanes, and a node's self warm-up on itself. */
  public static final ServiceMethod<ModelInferResponse, ModelInferRequest> MODEL_INFER = ServiceMethod.client(
      ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.MODEL_INFER, GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ModelInferResponse.newBuilder()));
  static final ServiceMethod<ServerReadyResponse, ServerReadyRequest> SERVER_READY = ServiceMethod.client(
      ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.SERVER_READY, GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ServerReadyResponse.newBuilder()));

  private final Vertx vertx;
  private final LoopClients plain;
  private final LoopClients tls;
  private final Topology topology;
  private final OpenTelemetry otel;
  private final Duration probeInterval;
  /** The remote lanes built here, by lane id: the ones to probe. */
  private final Map<String, RemoteLane> built = new ConcurrentHashMap<>();
  private final List<Long> timers = new CopyOnWriteArrayList<>();
  /** Clients of links with their own TLS (pinned CAs, identity, client certificate), by lane id. */
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RemoteNodes.class.getName());
  private final Map<String, LoopClients> pinned = new ConcurrentHashMap<>();
  /** Each new connection to a node timed (TCP, TLS, HTTP/2 preface): a log line and a histogram. */
  private final ConnectTimes connectTimes;

  private RemoteNodes(Vertx vertx, Topology topology, OpenTelemetry otel, Duration probeInterval) {
    this.vertx = vertx;
    this.connectTimes = new ConnectTimes(otel.getMeter("dev.laneway.lanes.remote"), System::nanoTime);
    // the gRPC options are the defaults (no deadline scheduled by the client: the lane sets its own timeout)
    HttpClientOptions h2c = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setTcpNoDelay(true);
    HttpClientOptions h2 = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTcpNoDelay(true);
    this.plain = new LoopClients(() -> connectTimes.client(vertx, h2c, false));
    this.tls = new LoopClients(() -> connectTimes.client(vertx, h2, true));
    this.topology = topology;
    this.otel = otel;
    this.probeInterval = probeInterval;
  }

  /**
   * A client for the topology's remote lanes on {@code vertx} (the gateway's: the caller owns and closes it), or null
   * when the topology declares none.
   */
  public static RemoteNodes create(Vertx vertx, Topology topology, OpenTelemetry otel, Duration probeInterval) {
    if (topology.lanes().stream().noneMatch(LaneSpec::isRemote)) return null;
    return new RemoteNodes(vertx, topology, otel, probeInterval);
  }

  /** Builds the remote lane for {@code spec} ({@link Lanes#start} calls this factory on a loader thread). */
  public Lane lane(LaneSpec spec) {
    RemoteLane lane = new RemoteLane(spec, topology, vertx, clients(spec), otel);
    built.put(spec.id(), lane);
    return lane;
  }

  private LoopClients clients(LaneSpec spec) {
    if (spec.remote().tls() && NodeTls.custom(spec.remote())) {
      return pinned.computeIfAbsent(spec.id(), id -> new LoopClients(() -> connectTimes.client(vertx,
          NodeTls.clientOptions(spec.remote()), true)));
    }
    return spec.remote().tls() ? tls : plain;
  }

  /**
   * Starts the active probes of every lane in {@code lanes} that this client built (each through the lane that wraps
   * it, whose breaker a failed probe opens); zero interval: no probes.
   */
  public void startProbes(Lanes lanes) {
    if (probeInterval.isZero()) return;
    for (Lane l : lanes.all()) {
      RemoteLane r = built.get(l.id());
      if (r != null) timers.add(vertx.setPeriodic(probeInterval.toMillis(), t -> probe(l, r)));
    }
  }

  private void probe(Lane lane, RemoteLane r) {
    clients(r.spec()).here().request(r.address(), SERVER_READY) // on the timer's event loop
        .compose(req -> {
          req.timeout(Math.max(100, probeInterval.toMillis()), TimeUnit.MILLISECONDS);
          return req.send(ServerReadyRequest.getDefaultInstance());
        })
        .compose(resp -> resp.last())
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().getReady()) return;
          String tlsWhy = ar.succeeded() ? null : NodeTls.reason(ar.cause());
          String why = ar.succeeded() ? "not ready" : tlsWhy != null ? "TLS: " + tlsWhy
              : String.valueOf(ar.cause().getMessage());
          lane.health().eject("probe of node " + r.spec().remote().address() + " failed (" + why + ")");
        });
  }

  @Override
  public void close() {
    timers.forEach(vertx::cancelTimer);
    plain.close().forEach(c -> await(c, "a plaintext gRPC client"));
    tls.close().forEach(c -> await(c, "a TLS gRPC client"));
    pinned.forEach((lane, cs) -> cs.close().forEach(c -> await(c, "lane " + lane + "'s gRPC client")));
  }

  /** Waits for a close up to 30 s: a client stuck on a connection costs a warning, never a process that cannot stop. */
  private static void await(io.vertx.core.Future<?> closing, String what) {
    try {
      closing.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.warning("closing " + what + ": not closed after 30 s; going on");
    } catch (RuntimeException e) {
      LOG.warning("closing " + what + ": " + e.getMessage());
    }
  }
}
