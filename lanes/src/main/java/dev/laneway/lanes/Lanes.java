package dev.laneway.lanes;

import dev.laneway.executor.SharedSessions;
import dev.laneway.topology.LaneSpec;
import io.opentelemetry.api.OpenTelemetry;
import dev.laneway.topology.Topology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Every lane of a topology, started together. */
public final class Lanes implements AutoCloseable {
  private final Map<String, Lane> lanes;
  private final DeviceFaults faults;
  private final DriftWatch drift;
  /** Starts the lanes that join after ready; see {@link #startJoining}. */
  private Runnable join = () -> { };

  private Lanes(Map<String, Lane> lanes, DeviceFaults faults, DriftWatch drift) {
    this.lanes = lanes;
    this.faults = faults;
    this.drift = drift;
  }

  /**
   * Starts every lane in parallel (each loads and warms its models, and specialised lanes check admission); blocks
   * until all are ready or one fails. Each lane is a {@link GuardedLane}: breaker, bulkhead, injected faults.
   */
  public static Lanes start(Topology topology) {
    return start(topology, OpenTelemetry.noop());
  }

  /** As {@link #start(Topology)}; the lanes' executors record spans and metrics through {@code otel}. */
  public static Lanes start(Topology topology, OpenTelemetry otel) {
    return start(topology, otel, spec -> true, null);
  }

  /**
   * Starts the lanes {@code include} accepts: a lane that declares {@code remote} through {@code remote} (when given;
   * the lane's EWMA starts from the declared round-trip time from the local region), every other lane in process.
   * An executor node passes its own region's lanes that have devices and no {@code remote} factory: it serves them
   * locally even when they declare {@code remote} (that address is the node itself).
   *
   * @param remote builds a remote lane ({@code remote.RemoteNodes#lane}), or null to serve every included lane locally
   */
  public static Lanes start(Topology topology, OpenTelemetry otel, java.util.function.Predicate<LaneSpec> include,
      java.util.function.Function<LaneSpec, Lane> remote) {
    return start(topology, otel, include, remote, DriftWatch.create(DriftWatch.Options.DEFAULT, otel));
  }

  /** As {@link #start(Topology, OpenTelemetry, java.util.function.Predicate, java.util.function.Function)}; every
   * lane's output checks and answers go to {@code drift} (shadow checks, demotion), which gets the lanes once started.
   */
  public static Lanes start(Topology topology, OpenTelemetry otel, java.util.function.Predicate<LaneSpec> include,
      java.util.function.Function<LaneSpec, Lane> remote, DriftWatch drift) {
    return start(topology, otel, include, remote, drift, false);
  }

  /**
   * As {@link #start(Topology, OpenTelemetry, java.util.function.Predicate, java.util.function.Function, DriftWatch)};
   * with {@code specialisedLater}, a local specialised lane whose every variant a general lane of this process also
   * serves is not waited for: it is admitted and warmed on a thread of its own once the caller calls
   * {@link #startJoining} (when it reports ready), and joins (takes traffic) when warm, so this returns as soon as every
   * model has a warm lane. {@link #joining} lists the lanes still on their way.
   */
  public static Lanes start(Topology topology, OpenTelemetry otel, java.util.function.Predicate<LaneSpec> include,
      java.util.function.Function<LaneSpec, Lane> remote, DriftWatch drift, boolean specialisedLater) {
    DeviceFaults faults = new DeviceFaults();
    // lanes whose devices ask for the same providers open each session once between them (SharedSessions)
    SharedSessions share = SharedSessions.create();
    List<CompletableFuture<Lane>> starting = new ArrayList<>();
    List<LaneSpec> specs = topology.lanes().stream().filter(include).toList();
    if (specs.isEmpty()) throw new IllegalArgumentException("lanes: none to start in this process");
    List<LaneSpec> later = specialisedLater ? StartOrder.later(topology, specs, remote != null) : List.of();
    specs = specs.stream().filter(s -> !later.contains(s)).toList();
    int threads = Math.max(1, Math.min(specs.size(), Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.ExecutorService loaders = java.util.concurrent.Executors.newFixedThreadPool(threads);
    for (LaneSpec spec : specs) {
      if (spec.isRemote() && remote != null) {
        double prior = topology.rtt(topology.localRegion(), spec.region()).toNanos() / 1e6;
        starting.add(CompletableFuture.supplyAsync(
            () -> GuardedLane.create(remote.apply(spec), faults, Map.of(), prior, drift), loaders));
        continue;
      }
      if (spec.devices().isEmpty()) {
        loaders.shutdown();
        throw new IllegalArgumentException("lane " + spec.id() + ": remote with no devices; it can only be reached "
            + "from a gateway, not served in this process");
      }
      starting.add(CompletableFuture.supplyAsync(() -> startLocal(spec, topology, otel, faults, drift, share), loaders));
    }
    loaders.shutdown();
    Map<String, Lane> started = new LinkedHashMap<>();
    RuntimeException failure = null;
    for (CompletableFuture<Lane> f : starting) {
      try {
        Lane lane = f.join();
        started.put(lane.id(), lane);
      } catch (CompletionException e) {
        if (failure == null) {
          failure = e.getCause() instanceof RuntimeException r ? r : e;
        }
      }
    }
    if (failure != null) {
      started.values().forEach(Lane::close);
      throw failure;
    }
    for (LaneSpec spec : later) started.put(spec.id(), new JoiningLane(spec));
    drift.bind(started.values());
    Lanes lanes = new Lanes(java.util.Collections.unmodifiableMap(started), faults, drift);
    lanes.join = () -> StartOrder.joinInOrder(later.stream().map(s -> (JoiningLane) started.get(s.id())).toList(),
        spec -> startLocal(spec, topology, otel, faults, drift, share));
    return lanes;
  }

  /**
   * Starts the lanes that join after ready ({@link #joining}), one after the other on a thread of their own: the
   * starting process calls it once it reports ready, so their warm-up never delays that. Once; later calls do nothing.
   */
  public void startJoining() {
    Runnable r;
    synchronized (this) {
      r = join;
      join = () -> { };
    }
    r.run();
  }

  /** Starts one local lane (loads and warms its variants, checks admission) behind its guard. */
  private static Lane startLocal(LaneSpec spec, Topology topology, OpenTelemetry otel, DeviceFaults faults,
      DriftWatch drift, SharedSessions share) {
    long t0 = System.nanoTime();
    LocalLane local = LocalLane.start(spec, topology, otel, share);
    long t1 = System.nanoTime();
    local.limitRows(faults::maxRows); // the oom fault: batches above it are split
    Lane lane = GuardedLane.create(local, faults,
        Admission.pinned(spec, topology, Admission.check(spec, topology), local.models()), 0, drift);
    StartOrder.LOG.fine(String.format("start-up: lane %s warm in %d ms (sessions in parallel), admission %d ms",
        spec.id(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000));
    return lane;
  }

  /**
   * The lanes still joining ({@code joining}), joined, or whose start failed ({@code failed: reason}), by id; empty
   * when every lane started before {@link #start} returned.
   */
  public Map<String, String> joining() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Lane l : lanes.values()) {
      if (l instanceof JoiningLane j) out.put(l.id(), j.state());
    }
    return out;
  }

  /** Completes when every joining lane has joined or failed to (at once when none joins later). */
  public CompletableFuture<Void> joined() {
    return CompletableFuture.allOf(lanes.values().stream().filter(l -> l instanceof JoiningLane)
        .map(l -> ((JoiningLane) l).joined().handle((x, e) -> null)).toArray(CompletableFuture[]::new));
  }

  /**
   * Keeps the local lanes' optimized models in {@code dir} across starts ({@code --session-cache}); null: every session
   * optimizes its model; {@code write} false: sessions load what {@code dir} holds and write nothing (a process of its
   * own writes it after this one is ready). Set before {@link #start}.
   */
  public static void keepSessionsIn(java.nio.file.Path dir, boolean write) {
    dev.laneway.executor.LaneExecutor.keepSessionsIn(dir, write);
  }

  /** Loads the local lanes' native libraries in the background, before {@link #start} needs them; returns at once. */
  public static void preloadNativesInBackground() {
    dev.laneway.executor.LaneExecutor.preloadNativesInBackground();
  }

  /** For tests: lanes built elsewhere. */
  public static Lanes of(Collection<Lane> lanes) {
    Map<String, Lane> m = new LinkedHashMap<>();
    for (Lane l : lanes) m.put(l.id(), l);
    return new Lanes(m, new DeviceFaults(), DriftWatch.off());
  }

  /** The injected device faults every lane of this set consults (the admin API writes them). */
  public DeviceFaults faults() {
    return faults;
  }

  /** Shadow checks, output checks and drift demotion over these lanes (the admin API pins and reads it). */
  public DriftWatch drift() {
    return drift;
  }

  public Optional<Lane> find(String id) {
    return Optional.ofNullable(lanes.get(id));
  }

  public Lane get(String id) {
    Lane l = lanes.get(id);
    if (l == null) throw new IllegalArgumentException("lane: unknown '" + id + "'");
    return l;
  }

  /**
   * The exact tokens of these texts with {@code model}'s tokenizer, from the first lane of this process that loads
   * the model; -1 when none does (the model is computed only on remote nodes).
   */
  public long countTokens(String model, List<String> texts) {
    for (Lane l : all()) {
      long n = l.countTokens(model, texts);
      if (n >= 0) return n;
    }
    return -1;
  }

  public Collection<Lane> all() {
    return lanes.values();
  }

  /**
   * Every lane is warm and taking work, but for lanes still joining ({@link #joining}): their variants have a warm
   * lane already, so every model does.
   */
  public boolean allReady() {
    return lanes.values().stream().allMatch(l -> l instanceof JoiningLane || l.ready());
  }

  /**
   * Drains every lane in parallel, each on a thread of its own: a drain blocks, and the common pool it would otherwise
   * take is what delayed work (an injected latency fault) needs to finish the requests the drain waits for.
   */
  public void drainAndClose(long timeoutMillis) {
    long left = stopJoining(timeoutMillis);
    List<CompletableFuture<Void>> f = new ArrayList<>();
    for (Lane l : lanes.values()) {
      f.add(CompletableFuture.runAsync(() -> l.drainAndClose(left),
          r -> Thread.ofPlatform().name("laneway-drain-" + l.id()).start(r)));
    }
    CompletableFuture.allOf(f.toArray(CompletableFuture[]::new)).join();
  }

  @Override
  public void close() {
    stopJoining(JoiningLane.CLOSE_WAIT_MILLIS);
    lanes.values().forEach(Lane::close);
  }

  /**
   * Stops the lanes that have not joined: one not yet starting never starts, one starting is waited for (up to
   * {@code timeoutMillis}) before any lane closes, so no lane's sessions close, and the process does not exit, while its
   * warm-up runs in native code. Returns what is left of the timeout.
   */
  private long stopJoining(long timeoutMillis) {
    long left = timeoutMillis;
    for (Lane l : lanes.values()) {
      if (l instanceof JoiningLane j) left = j.awaitStart(left);
    }
    return left;
  }
}
