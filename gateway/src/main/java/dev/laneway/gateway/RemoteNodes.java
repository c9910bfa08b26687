package dev.laneway.gateway;

import dev.laneway.lanes.GuardedLane;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.oip.ServerReadyRequest;
import dev.laneway.oip.ServerReadyResponse;
import dev.laneway.protocol.Oip;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The gateway's side of remote lanes: one Vert.x gRPC client per transport (plain h2c, TLS) shared by every
 * {@link RemoteLane}, so each node gets one multiplexed HTTP/2 connection, and the active health check: every
 * {@code --remote-probe-interval} each remote lane's node is asked {@code ServerReady}; a probe that fails or answers
 * not-ready opens the lane's breaker at once (a closed or half-open breaker), so routing skips the node without
 * spending requests on it; the breaker's own {@code wait_in_open} then lets it half-open and real requests decide
 * whether it rejoins, exactly as for a local lane. Passive health is the breaker itself.
 *
 * <p>Owns its Vert.x instance (the client's event loops and the probe timers); {@link #close} stops both. Probes run on
 * that event loop and never block.
 */
final class RemoteNodes implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RemoteNodes.class.getName());
  static final ServiceMethod<ServerReadyResponse, ServerReadyRequest> SERVER_READY = ServiceMethod.client(
      ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.SERVER_READY, GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ServerReadyResponse.newBuilder()));

  private final Vertx vertx;
  private final GrpcClient plain;
  private final GrpcClient tls;
  private final Topology topology;
  private final OpenTelemetry otel;
  private final Duration probeInterval;
  private final List<Long> timers = new ArrayList<>();

  private RemoteNodes(Topology topology, OpenTelemetry otel, Duration probeInterval) {
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(2));
    GrpcClientOptions grpc = new GrpcClientOptions().setScheduleDeadlineAutomatically(false);
    this.plain = GrpcClient.client(vertx, grpc, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setTcpNoDelay(true));
    this.tls = GrpcClient.client(vertx, grpc, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTcpNoDelay(true));
    this.topology = topology;
    this.otel = otel;
    this.probeInterval = probeInterval;
  }

  /** A client for the topology's remote lanes, or null when it declares none (no threads started). */
  static RemoteNodes create(Topology topology, OpenTelemetry otel, Duration probeInterval) {
    if (topology.lanes().stream().noneMatch(LaneSpec::isRemote)) return null;
    return new RemoteNodes(topology, otel, probeInterval);
  }

  /** Builds the remote lane for {@code spec} (called by {@link Lanes#start} on a loader thread). */
  Lane lane(LaneSpec spec) {
    return new RemoteLane(spec, topology, vertx, spec.remote().tls() ? tls : plain, otel);
  }

  /** Starts the active probes of every remote lane in {@code lanes}; zero interval: no probes. */
  void startProbes(Lanes lanes) {
    if (probeInterval.isZero()) return;
    for (Lane l : lanes.all()) {
      if (l instanceof GuardedLane g && g.inner() instanceof RemoteLane r) {
        timers.add(vertx.setPeriodic(probeInterval.toMillis(), t -> probe(g, r)));
      }
    }
  }

  private void probe(GuardedLane g, RemoteLane r) {
    GrpcClient client = r.spec().remote().tls() ? tls : plain;
    client.request(r.address(), SERVER_READY)
        .compose(req -> {
          req.timeout(Math.max(100, probeInterval.toMillis()), TimeUnit.MILLISECONDS);
          return req.send(ServerReadyRequest.getDefaultInstance());
        })
        .compose(resp -> resp.last())
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().getReady()) return;
          String why = ar.succeeded() ? "not ready" : String.valueOf(ar.cause().getMessage());
          CircuitBreaker.State s = g.breaker().getState();
          if (s == CircuitBreaker.State.CLOSED || s == CircuitBreaker.State.HALF_OPEN) {
            LOG.warning("lane " + g.id() + ": probe of node " + r.spec().remote().address() + " failed (" + why
                + "): opening the breaker");
            g.breaker().transitionToOpenState();
          }
        });
  }

  @Override
  public void close() {
    timers.forEach(vertx::cancelTimer);
    plain.close().await();
    tls.close().await();
    vertx.close().await();
  }
}
