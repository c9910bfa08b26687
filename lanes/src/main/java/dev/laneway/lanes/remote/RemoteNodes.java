package dev.laneway.lanes.remote;

import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.oip.ServerReadyResponse;
import dev.laneway.protocol.Oip;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
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
 * The client side of remote lanes: one Vert.x gRPC client per transport (plain h2c, TLS) shared by every
 * {@link RemoteLane}, so each node gets one multiplexed HTTP/2 connection, and the active health check: every
 * {@code --remote-probe-interval} each remote lane's node is asked {@code ServerReady}; a probe that fails or answers
 * not-ready ejects the lane ({@link dev.laneway.lanes.LaneHealth#eject}: its breaker opens, when closed or half-open),
 * so routing skips the node without spending requests on it; the breaker's own {@code wait_in_open} then lets it
 * half-open and real requests decide whether it rejoins, exactly as for a local lane. Passive health is the breaker
 * itself.
 *
 * <pre>{@code
 * RemoteNodes nodes = RemoteNodes.create(topology, otel, Duration.ofSeconds(2));   // null: no remote lanes
 * Lanes lanes = Lanes.start(topology, otel, spec -> true, nodes::lane);
 * nodes.startProbes(lanes);
 * ...
 * lanes.drainAndClose(30_000);
 * nodes.close();
 * }</pre>
 *
 * <p>Owns its Vert.x instance (the client's event loops and the probe timers); {@link #close} stops both. Probes run on
 * that event loop and never block. {@link #lane} is called on the lanes' loader threads.
 */
public final class RemoteNodes implements AutoCloseable {
  static final ServiceMethod<ServerReadyResponse, ServerReadyRequest> SERVER_READY = ServiceMethod.client(
      ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.SERVER_READY, GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ServerReadyResponse.newBuilder()));

  private final Vertx vertx;
  private final GrpcClient plain;
  private final GrpcClient tls;
  private final Topology topology;
  private final OpenTelemetry otel;
  private final Duration probeInterval;
  /** The remote lanes built here, by lane id: the ones to probe. */
  private final Map<String, RemoteLane> built = new ConcurrentHashMap<>();
  private final List<Long> timers = new CopyOnWriteArrayList<>();
  /** Clients of links with their own TLS (pinned CAs, identity, client certificate), by lane id. */
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RemoteNodes.class.getName());
  private final Map<String, GrpcClient> pinned = new ConcurrentHashMap<>();
  /** Each new connection to a node timed (TCP, TLS, HTTP/2 preface): a log line and a histogram. */
  private final ConnectTimes connectTimes;

  private RemoteNodes(Topology topology, OpenTelemetry otel, Duration probeInterval) {
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(2));
    this.connectTimes = new ConnectTimes(otel.getMeter("dev.laneway.lanes.remote"), System::nanoTime);
    // the gRPC options are the defaults (no deadline scheduled by the client: the lane sets its own timeout)
    this.plain = connectTimes.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setTcpNoDelay(true), false);
    this.tls = connectTimes.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTcpNoDelay(true), true);
    this.topology = topology;
    this.otel = otel;
    this.probeInterval = probeInterval;
  }

  /** A client for the topology's remote lanes, or null when it declares none (no threads started). */
  public static RemoteNodes create(Topology topology, OpenTelemetry otel, Duration probeInterval) {
    if (topology.lanes().stream().noneMatch(LaneSpec::isRemote)) return null;
    return new RemoteNodes(topology, otel, probeInterval);
  }

  /** Builds the remote lane for {@code spec} ({@link Lanes#start} calls this factory on a loader thread). */
  public Lane lane(LaneSpec spec) {
    RemoteLane lane = new RemoteLane(spec, topology, vertx, client(spec), otel);
    built.put(spec.id(), lane);
    return lane;
  }

  private GrpcClient client(LaneSpec spec) {
    if (spec.remote().tls() && NodeTls.custom(spec.remote())) {
      return pinned.computeIfAbsent(spec.id(), id -> connectTimes.client(vertx, NodeTls.clientOptions(spec.remote()),
          true));
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
    client(r.spec()).request(r.address(), SERVER_READY)
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
    await(plain.close(), "the plaintext gRPC client");
    await(tls.close(), "the TLS gRPC client");
    pinned.forEach((lane, c) -> await(c.close(), "lane " + lane + "'s gRPC client"));
    await(vertx.close(), "the remote lanes' Vert.x");
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
