package dev.laneway.gateway;

import dev.laneway.gateway.admin.Reloader;
import dev.laneway.gateway.pipeline.NodePolicy;
import dev.laneway.gateway.security.KeyChecks;
import dev.laneway.lanes.Admission;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.DriftWatch;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.lanes.remote.RemoteNodes;
import dev.laneway.observability.Telemetry;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A gateway's start, in order, and its timeline: the topology and policy (with the start-up checks that refuse a bad
 * certificate or clear-text keys before any model loads), the lanes (general lanes warm in parallel, their sessions
 * too; specialised lanes that only add capacity join after ready, see {@code Lanes.start}), the pipeline, the
 * listeners, and the self warm-up ({@link SelfWarmUp}) before the gateway reports ready. Each phase's start and end go
 * to the log at FINE ({@code start-up: lanes 412-2804 ms}), and the ready line carries the phases' durations.
 *
 * <p>Readiness: {@code /v2/health/ready} (and gRPC {@code ServerReady}) answer not-ready until {@link #start} returns,
 * and then ready while every model has a warm lane (its body lists each lane's state).
 */
final class Startup {
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final long t0 = System.nanoTime();
  private long last = t0;
  private final List<String> phases = new ArrayList<>();

  private Startup() {}

  /** Ends the phase that began when the last one ended: FINE with its start and end, and kept for the ready line. */
  private void phase(String name) {
    long now = System.nanoTime();
    long from = (last - t0) / 1_000_000;
    long to = (now - t0) / 1_000_000;
    if (LOG.isLoggable(Level.FINE)) LOG.fine("start-up: " + name + " " + from + "-" + to + " ms");
    phases.add(name + " " + (to - from));
    last = now;
  }

  /**
   * {@code ; 3050 ms since ./laneway started}: the start as a user waits for it, from the launcher's start after its
   * build step ({@code LANEWAY_LAUNCHED_US}, microseconds since the epoch), the JVM's own start and the options before
   * {@link #run} included; empty when not started by the launcher.
   */
  private static String sinceLaunch() {
    String us = System.getenv("LANEWAY_LAUNCHED_US");
    if (us == null || !us.matches("[0-9]{10,19}")) return "";
    long ms = (System.currentTimeMillis() * 1000 - Long.parseLong(us)) / 1000;
    return ms >= 0 && ms < 3_600_000 ? "; " + ms + " ms since ./laneway started" : "";
  }

  private long elapsedMillis() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /**
   * Starts a gateway (or a node); blocks until it is ready. {@code telemetry} may still be being built (on a first
   * start the OpenTelemetry SDK took 0.2 s): the topology and policy are read meanwhile. The caller closes it if this
   * throws.
   */
  static Gateway start(GatewayOptions options, CompletableFuture<Telemetry> telemetry, LongSupplier sloClock) {
    return new Startup().run(options, telemetry, sloClock);
  }

  private Gateway run(GatewayOptions options, CompletableFuture<Telemetry> building, LongSupplier sloClock) {
    Lanes.preloadNativesInBackground(); // on the other core while the topology is read (0.3 s off the lanes here)
    Topology topology =
        options.topology() == null ? TopologyLoader.embeddedDefault() : TopologyLoader.load(options.topology());
    LOG.info("topology " + topology.source() + ": " + topology.regions().size() + " regions, "
        + topology.lanes().size() + " lanes, " + topology.models().size() + " models; local region "
        + topology.localRegion());
    Transport transport = Transport.start(options, topology); // a bad certificate or plaintext refused: before lanes
    String nodeRegion = options.nodeRegion();
    if (nodeRegion != null && topology.regions().stream().noneMatch(r -> r.id().equals(nodeRegion))) {
      throw new IllegalArgumentException("--region " + nodeRegion + ": not a region of " + topology.source());
    }
    // an executor node (laneway node --region R) routes only to the lane a request names, among its own lanes
    RoutingPolicy policy = nodeRegion != null ? NodePolicy.of(topology, nodeRegion)
        : Reloader.initialPolicy(options.policy(), topology);
    LOG.info("policy " + policy.source() + ": " + policy.rules().size() + " rules, " + policy.tenants().size()
        + " tenants");
    KeyChecks.atStart(policy, options.allowPlaintextKeys());
    if (!policy.requireApiKey()) {
      LOG.warning("policy " + policy.source() + " runs open: no API key required (callers without x-api-key are "
          + "tenant 'anonymous')");
    }
    if (options.adminToken().isEmpty() && options.adminTokenFile() == null) {
      LOG.warning("admin API: no --admin-token(-file) set; /v2/admin on --admin-port answers loopback clients only");
    }
    Telemetry telemetry;
    try {
      telemetry = building.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    LOG.info(telemetry.startupHint());
    // the gateway's one Vert.x, made before the lanes: remote lanes send from (and answer on) the doors' event loops
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
    RemoteNodes remote = nodeRegion != null ? null
        : RemoteNodes.create(vertx, topology, telemetry.openTelemetry(), options.remoteProbeInterval());
    Admission.persistIn(options.admissionCache());
    // a first start the launcher has trained after it leaves writing optimized models to the trainer
    Lanes.keepSessionsIn(options.sessionCache(), !AotTraining.follows(options));
    phase("topology and policy");
    Lanes lanes;
    try {
      lanes = startLanes(options, telemetry, topology, remote);
    } catch (RuntimeException e) {
      Closing.await(vertx.close(), "Vert.x");
      throw e;
    }
    phase("lanes");
    if (nodeRegion != null && !options.nodeDelay().isZero()) {
      // the declared RTT on loopback: injected device latency, so it runs inside the lane, under the deadline
      for (Lane lane : lanes.all()) {
        for (String d : lane.spec().devices()) lanes.faults().setFault(d, options.nodeDelay(), null, false);
      }
      LOG.info("node delay " + options.nodeDelay().toMillis() + " ms before each request (--node-delay)");
    }
    if (remote != null) remote.startProbes(lanes);
    logDevices(lanes);
    Gateway g;
    try {
      g = new Gateway(options, topology, policy, lanes, telemetry, remote, transport, sloClock, vertx);
    } catch (RuntimeException e) {
      lanes.close();
      if (remote != null) remote.close();
      Closing.await(vertx.close(), "Vert.x");
      throw e;
    }
    phase("pipeline");
    try {
      g.listen();
      phase("listen");
      if (!options.warmUp().isZero()) { // a node over gRPC, naming its lanes: it answers only such requests
        SelfWarmUp.run(g, options, nodeRegion != null);
        phase("self warm-up");
      }
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    g.started();
    lanes.startJoining(); // specialised lanes that only add capacity: admitted and warmed now, joining when warm
    LOG.info((nodeRegion != null ? "node " + nodeRegion + " " : "") + "ready in " + elapsedMillis() + " ms ("
        + String.join(", ", phases) + sinceLaunch() + (lanes.joining().isEmpty() ? "" : "; joining after ready: "
        + String.join(", ", lanes.joining().keySet())) + "): HTTP on " + options.host() + ":" + g.httpPort()
        + ", gRPC on " + options.host() + ":" + g.grpcPort() + ", metrics on " + options.host() + ":"
        + g.metricsPort() + "/metrics, admin on " + options.adminHost() + ":" + g.adminPort());
    return g;
  }

  private static Lanes startLanes(GatewayOptions options, Telemetry telemetry, Topology topology,
      RemoteNodes remote) {
    String nodeRegion = options.nodeRegion();
    DriftWatch drift = DriftWatch.create(options.driftOptions(), telemetry.openTelemetry());
    try { // executors record batch spans and lane metrics
      return nodeRegion != null
          // a node waits for every lane: a gateway's remote lane to it knows only the node's readiness, not each lane's
          ? Lanes.start(topology, telemetry.openTelemetry(), l -> NodePolicy.serves(l, nodeRegion), null, drift, false)
          : Lanes.start(topology, telemetry.openTelemetry(), l -> true, remote == null ? null : remote::lane, drift,
              options.specialisedAfterReady());
    } catch (RuntimeException e) {
      if (remote != null) remote.close();
      throw e;
    }
  }

  private static void logDevices(Lanes lanes) {
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
  }
}
