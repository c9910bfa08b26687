package dev.laneway.gateway.admin;

import dev.laneway.gateway.pipeline.Routes;
import dev.laneway.gateway.telemetry.RoutingMetrics;
import dev.laneway.routing.PolicyException;
import dev.laneway.routing.PolicyLoader;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyException;
import dev.laneway.topology.TopologyLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Re-reads the topology and policy files given at start ({@code --topology}, {@code --policy}), validates them with
 * the same loaders as start-up and swaps the routing snapshot ({@link Routes}) atomically. An invalid file is refused
 * with its file:line:col errors and the old snapshot keeps serving.
 *
 * <p>A topology reload applies only what can change without restarting lanes: the links (round-trip times). A file
 * whose regions, devices, lanes or models differ from the running ones (breaker and {@code max_in_flight} aside,
 * which apply at the next start) is refused with what differs. The policy is re-checked against the new topology.
 *
 * <p>Called from the admin API (a worker thread) and the file watcher's thread; serialised by its lock.
 */
public final class Reloader {
  private static final Logger LOG = Logger.getLogger(Reloader.class.getName());

  /** The outcome: ok, or refused with the errors. */
  public record Result(boolean ok, String message, long version) {}

  private final Path topologyFile;
  private final Path policyFile;
  private final Routes routes;
  private final Topology running;
  private final AtomicLong version = new AtomicLong(1);
  private RoutingMetrics metrics;
  private java.util.function.BiFunction<Topology, RoutingPolicy, String> guard = (t, p) -> null;

  public Reloader(Path topologyFile, Path policyFile, Routes routes, Topology running) {
    this.topologyFile = topologyFile;
    this.policyFile = policyFile;
    this.routes = routes;
    this.running = running;
  }

  public void metrics(RoutingMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * A check every reload must pass besides the loaders' own (plaintext refused when TLS is required, clear-text API
   * keys): it returns why a topology and policy may not serve, or null. Set once, at start.
   */
  public void guard(java.util.function.BiFunction<Topology, RoutingPolicy, String> guard) {
    this.guard = guard;
  }

  public long version() {
    return version.get();
  }

  /** Loads the policy at start: the file (checked against the topology) or the embedded default. */
  public static RoutingPolicy initialPolicy(Path policyFile, Topology topology) {
    if (policyFile == null) {
      RoutingPolicy p = PolicyLoader.embeddedDefault();
      PolicyLoader.check(p, topology, null);
      return p;
    }
    return PolicyLoader.load(policyFile, topology);
  }

  public synchronized Result reload(String trigger) {
    Router current = routes.current();
    try {
      Topology t = topologyFile == null ? current.topology() : TopologyLoader.load(topologyFile);
      String differs = differs(running, t);
      if (differs != null) {
        throw new IllegalArgumentException(t.source() + ": " + differs
            + " (a topology reload applies links only; restart the gateway for this change)");
      }
      RoutingPolicy p;
      if (policyFile == null) {
        p = current.policy();
        PolicyLoader.check(p, t, null);
      } else {
        p = PolicyLoader.load(policyFile, t);
      }
      String refused = guard.apply(t, p);
      if (refused != null) throw new IllegalArgumentException(refused);
      routes.swap(Router.create(t, p));
      long v = version.incrementAndGet();
      if (metrics != null) metrics.reloaded(true);
      LOG.info("reload (" + trigger + "): policy " + p.source() + " version " + v + ", " + p.rules().size()
          + " rules, " + p.tenants().size() + " tenants; topology " + t.source());
      return new Result(true, "reloaded", v);
    } catch (PolicyException | TopologyException | IllegalArgumentException e) {
      if (metrics != null) metrics.reloaded(false);
      LOG.warning("reload (" + trigger + ") refused, version " + version.get() + " keeps serving: " + e.getMessage());
      return new Result(false, e.getMessage(), version.get());
    }
  }

  /** What differs between the running topology and a new one beyond links, or null. */
  static String differs(Topology a, Topology b) {
    List<String> d = new ArrayList<>();
    if (!a.localRegion().equals(b.localRegion())) d.add("local_region");
    if (!a.regions().equals(b.regions())) d.add("regions");
    if (!a.devices().equals(b.devices())) d.add("devices");
    if (!a.models().equals(b.models())) d.add("models");
    if (!a.lanes().stream().map(Reloader::shape).toList().equals(b.lanes().stream().map(Reloader::shape).toList())) {
      d.add("lanes");
    }
    return d.isEmpty() ? null : String.join(", ", d) + " changed";
  }

  private static LaneSpec shape(LaneSpec l) {
    return new LaneSpec(l.id(), l.region(), l.laneClass(), l.devices(), l.instances(), l.intraOpThreads(),
        l.batching(), null, 0, l.admission(), l.remote());
  }
}
