package dev.laneway.lanes;

import dev.laneway.base.ModelKey;
import dev.laneway.executor.Priority;
import dev.laneway.topology.BreakerSpec;
import dev.laneway.topology.LaneSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A lane behind a circuit breaker and a class-aware in-flight gate, with admission results and injected device
 * faults: what dispatch talks to.
 *
 * <p>Design, after Envoy's outlier detection ({@code source/common/upstream/outlier_detection_impl.h}) and its router
 * ({@code router.cc}): every attempt's outcome is reported to the breaker, which ejects the lane (open) when the
 * failure or slow-call rate over the last {@code window} calls passes its threshold, refuses for {@code wait_in_open},
 * then lets {@code half_open_calls} probes decide between closed and open again (Resilience4j's count-based
 * {@link CircuitBreaker}, with automatic open → half-open so the state is visible without traffic).
 *
 * <p>The breaker counts only what the device did ({@link #countsAgainstDevice}), as Envoy's outlier detection with
 * {@code split_external_local_origin_errors} never ejects a host for load it shed itself: a
 * {@link LaneException.DeviceFailed} (failed execution, device offline, unreachable node, malformed answer), a deadline
 * that passed while an execution overran, and, as a slow call, an execution that overran
 * ({@link BreakerSpec#overran}: longer than {@code slow_call} and than {@code overrun_factor} × what the lane expected
 * for that batch shape). Everything else is ignored (not even counted as a success): the lane full or shedding, a
 * deadline that passed while queued, a cancel, a lane shutting down, bad input. The time the breaker sees is the
 * execution's, never the queue's, so a long queue is never a slow call. Overload is answered by the gate and by
 * routing, not by ejecting a healthy device.
 *
 * <p>The gate ({@link ClassGate}) caps requests inside the lane at {@code max_in_flight}, sharing it between latency
 * classes ({@code reserved_by_class}); over a class's share the attempt fails as full and dispatch tries the next
 * candidate; a more urgent request may shed the newest less urgent one. Routing reads the state through
 * {@link #unavailableReason()} to skip an open lane before trying it, as Envoy's load balancer skips ejected hosts,
 * and {@link #expectedCompletionNanos} to order and spill by expected completion time.
 *
 * <p>{@link #infer} is called from any thread and never blocks; outcomes are recorded on the lane thread that
 * completes the inner future (or a delay thread for injected latency, or the shedding submitter's thread).
 */
public final class GuardedLane extends ForwardingLane implements LaneHealth {
  private static final Logger LOG = Logger.getLogger(GuardedLane.class.getName());
  /** Successful attempts a class needs before its latency quantiles are trusted (hedging waits for them). */
  static final int MIN_SAMPLES = 20;

  private final CircuitBreaker breaker;
  private final ClassGate gate;
  private final DeviceFaults faults;
  private final Map<ModelKey, Admission.Result> admission;
  private final Ewma latency;
  private final LatencyWindow[] recent = new LatencyWindow[Priority.values().length];
  private final java.util.Deque<String> transitions = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final DriftWatch drift;

  /** {@code clock}: what the breaker reads for its wait in open ({@link Clock#systemUTC()} outside tests). */
  GuardedLane(Lane inner, DeviceFaults faults, Map<ModelKey, Admission.Result> admission, double priorMs, Clock clock) {
    this(inner, faults, admission, priorMs, clock, DriftWatch.off());
  }

  /** {@code drift}: where output checks and answers are reported (shadow checks, demotion). */
  GuardedLane(Lane inner, DeviceFaults faults, Map<ModelKey, Admission.Result> admission, double priorMs, Clock clock,
      DriftWatch drift) {
    super(inner);
    this.drift = drift;
    this.latency = new Ewma(priorMs);
    this.faults = faults;
    this.admission = Map.copyOf(admission);
    LaneSpec spec = inner.spec();
    this.breaker = CircuitBreaker.of(spec.id(), breakerConfig(spec.breaker(), clock));
    this.gate = new ClassGate(spec.maxInFlight(), LocalLane.shares(spec));
    for (int i = 0; i < recent.length; i++) recent[i] = new LatencyWindow();
    breaker.getEventPublisher().onStateTransition(e -> {
      String t = e.getStateTransition().getFromState().name().toLowerCase(Locale.ROOT) + " -> "
          + e.getStateTransition().getToState().name().toLowerCase(Locale.ROOT);
      transitions.addLast(t + " @" + e.getCreationTime().toInstant().toEpochMilli());
      while (transitions.size() > 16) transitions.pollFirst();
      LOG.info("lane " + spec.id() + ": breaker " + t);
    });
  }

  /** Wraps a started lane; {@code admission} holds the verdicts by {@code model:variant} (empty for general lanes). */
  public static GuardedLane create(Lane inner, DeviceFaults faults, Map<ModelKey, Admission.Result> admission) {
    return new GuardedLane(inner, faults, admission, 0, Clock.systemUTC());
  }

  /** As {@link #create(Lane, DeviceFaults, Map)}, the latency EWMA starting at {@code priorMs} (a remote lane's RTT). */
  public static GuardedLane create(Lane inner, DeviceFaults faults, Map<ModelKey, Admission.Result> admission,
      double priorMs) {
    return new GuardedLane(inner, faults, admission, priorMs, Clock.systemUTC());
  }

  /** As {@link #create(Lane, DeviceFaults, Map, double)}, reporting output checks and answers to {@code drift}. */
  static GuardedLane create(Lane inner, DeviceFaults faults, Map<ModelKey, Admission.Result> admission,
      double priorMs, DriftWatch drift) {
    return new GuardedLane(inner, faults, admission, priorMs, Clock.systemUTC(), drift);
  }

  static CircuitBreakerConfig breakerConfig(BreakerSpec b, Clock clock) {
    return CircuitBreakerConfig.custom()
        .clock(clock)
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(b.window())
        .minimumNumberOfCalls(b.minimumCalls())
        .failureRateThreshold(b.failureRate())
        .slowCallDurationThreshold(b.slowCall())
        .slowCallRateThreshold(b.slowCallRate())
        .waitDurationInOpenState(b.waitInOpen())
        .permittedNumberOfCallsInHalfOpenState(b.halfOpenCalls())
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .recordException(e -> countsAgainstDevice(e, b))
        .ignoreException(e -> !countsAgainstDevice(e, b))
        .build();
  }

  /**
   * The breaker's rule: whether a failed attempt says the device failed. Yes for {@link LaneException.DeviceFailed},
   * and for a deadline that passed while the execution ran past {@link BreakerSpec#overran}; no for everything else
   * (full, shed, a deadline that passed while queued, shutting down, cancelled, bad input).
   */
  public static boolean countsAgainstDevice(Throwable e, BreakerSpec breaker) {
    return switch (unwrap(e)) {
      case LaneException.DeviceFailed f -> true;
      case LaneException.DeadlineExceeded d -> d.executing() && breaker.overran(d.executingNanos(), d.expectedNanos());
      default -> false;
    };
  }

  @Override
  public CompletableFuture<LaneResult> infer(LaneCall call) {
    String id = inner.id();
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(new LaneException.Unavailable(id, id + ": breaker "
          + breaker.getState().name().toLowerCase(Locale.ROOT) + " (not taking calls)", null));
    }
    Priority priority = Priority.parse(call.latencyClass());
    ClassGate.Permit permit = gate.tryAcquire(priority);
    if (permit == null) {
      breaker.releasePermission();
      long wait = Math.max(0, expectedCompletionNanos(call.latencyClass(), 1));
      return CompletableFuture.failedFuture(new LaneException.QueueFull(id, id + ": " + gate.held()
          + " requests in flight; the " + priority.wireName() + " class may use " + LocalLane.shares(spec())
              .limit(priority, gate.capacity()) + " of max_in_flight " + gate.capacity(),
          LaneException.QueueFull.Reason.IN_FLIGHT_FULL, wait));
    }
    long start = System.nanoTime();
    long[] injected = new long[1];
    CompletableFuture<LaneResult> f;
    try {
      f = faulted(call, injected);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<LaneResult> raw = f;
    // the device's answer as its injected output faults make it, then the output check: a bad vector fails the attempt
    CompletableFuture<LaneResult> attempt = raw.thenApply(r -> checked(call, r));
    attempt.whenComplete((r, e) -> {
      if (attempt.isCancelled()) raw.cancel(false);
    });
    boolean shadow = call.tenant().equals(DriftWatch.TENANT);
    CompletableFuture<LaneResult> answer = new CompletableFuture<>();
    attempt.whenComplete((r, error) -> {
      permit.release();
      long took = System.nanoTime() - start;
      if (error == null) {
        long compute = r.computeNanos() + injected[0];
        BreakerSpec b = spec().breaker();
        // the breaker sees the execution, never the queue: slow exactly when it overran (BreakerSpec.overran)
        long seen = b.overran(compute, r.expectedComputeNanos()) ? compute : Math.min(compute, b.slowCall().toNanos());
        breaker.onSuccess(seen, TimeUnit.NANOSECONDS);
        if (!shadow) { // a shadow check is not client traffic: the estimates routing and hedging read ignore it
          latency.update(took / 1e6);
          recent[priority.ordinal()].record(took);
        }
        answer.complete(r);
        drift.answered(this, call, r);
      } else {
        breaker.onError(took, TimeUnit.NANOSECONDS, unwrap(error));
        answer.completeExceptionally(unwrap(error));
      }
    });
    // a more urgent request took this one's place in the gate: fail it as shed (typed, retry elsewhere or later) and
    // cancel the inner attempt, which frees its queued work
    permit.onShed(() -> {
      long wait = Math.max(0, expectedCompletionNanos(call.latencyClass(), call.texts().size()));
      if (answer.completeExceptionally(new LaneException.QueueFull(id, id + ": shed to admit more urgent work (the "
          + priority.wireName() + " class is refused first when the lane is full)", LaneException.QueueFull.Reason.SHED,
          wait))) {
        attempt.cancel(false);
      }
    });
    // cancelling the answer cancels the inner lane's, which frees the request's queued work
    answer.whenComplete((r, error) -> {
      if (answer.isCancelled()) attempt.cancel(false);
    });
    return answer;
  }

  /** The answer after the devices' output faults, if it passes {@link OutputSanity}; else a device failure. */
  private LaneResult checked(LaneCall call, LaneResult r) {
    LaneResult out = faults.perturb(spec().devices(), r);
    String problem = OutputSanity.problem(out.vectors(), call.model().dimension());
    drift.sanity(this, ModelKey.of(call.model().name(), call.variant().name()), problem);
    if (problem != null) {
      throw new CompletionException(new LaneException.DeviceFailed(id(), id() + ": output check failed: " + problem,
          null));
    }
    return out;
  }

  /**
   * Applies injected faults (offline, failure rate, latency) of the lane's devices, then calls the real lane;
   * {@code injected[0]} gets the latency added, which counts as the device's time.
   */
  private CompletableFuture<LaneResult> faulted(LaneCall call, long[] injected) {
    String id = inner.id();
    List<String> devices = spec().devices();
    if (!devices.isEmpty() && devices.stream().allMatch(d -> faults.get(d).offline())) {
      return CompletableFuture.failedFuture(new LaneException.DeviceFailed(id, id + ": device "
          + String.join(", ", devices) + " offline", null));
    }
    Duration delay = Duration.ZERO;
    for (String d : devices) {
      if (faults.failsNow(d)) {
        return CompletableFuture.failedFuture(new LaneException.DeviceFailed(id, id + ": device " + d
            + " failed (injected fault)", null));
      }
      // thermal throttling: latency that grows with the requests inside the lane
      Duration now = faults.get(d).latencyNow().plus(faults.output(d).throttlePerInFlight().multipliedBy(gate.held()));
      if (now.compareTo(delay) > 0) delay = now;
    }
    if (delay.isZero()) return inner.infer(call);
    long remaining = call.deadlineNanos() == Long.MAX_VALUE ? Long.MAX_VALUE : call.deadlineNanos() - System.nanoTime();
    if (delay.toNanos() >= remaining) {
      // the deadline passes during the injected latency (the device's time): expire at the deadline, not after
      long ran = Math.max(0, remaining);
      Executor atDeadline = CompletableFuture.delayedExecutor(ran, TimeUnit.NANOSECONDS);
      return CompletableFuture.supplyAsync(() -> {
        throw new CompletionException(new LaneException.DeadlineExceeded(id, id + ": deadline passed after "
            + TimeUnit.NANOSECONDS.toMillis(ran) + " ms of injected device latency", true, ran, 0));
      }, atDeadline);
    }
    injected[0] = delay.toNanos();
    Executor later = CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS);
    io.opentelemetry.context.Context context = io.opentelemetry.context.Context.current(); // batch links need it
    // cancelled during the delay (shed, hedge lost, client gone): the stage below never runs, nothing reaches the lane
    return CompletableFuture.supplyAsync(() -> null, later).thenCompose(x -> {
      try (io.opentelemetry.context.Scope ignored = context.makeCurrent()) {
        return inner.infer(call);
      }
    });
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
    return e;
  }

  /** This lane's guard: breaker, gate, admission, observed latency. */
  @Override
  public LaneHealth health() {
    return this;
  }

  /** Why routing should skip this lane now, or null: an open breaker, or not ready. Half-open lanes take probes. */
  @Override
  public String unavailableReason() {
    if (!inner.ready()) return "not ready";
    return switch (breaker.getState()) {
      case OPEN, FORCED_OPEN -> "breaker open";
      default -> null;
    };
  }

  /** Why admission refused a variant, or null when admitted (or never checked: general lanes). */
  @Override
  public String notAdmitted(String model, String variant) {
    Admission.Result r = admission.get(ModelKey.of(model, variant));
    return r == null || r.admitted() ? null : r.reason();
  }

  /** Why routing skips the variant on this lane for drift (shadow checks or output checks), or null. */
  @Override
  public String drift(String model, String variant) {
    return drift.demotedReason(id(), model, variant);
  }

  @Override
  public Map<ModelKey, Admission.Result> admission() {
    return admission;
  }

  /** {@code closed}, {@code half_open}, {@code open} (and Resilience4j's other states, lower-case). */
  @Override
  public String breakerState() {
    return breaker.getState().name().toLowerCase(Locale.ROOT);
  }

  /** 0 closed, 1 half-open, 2 open, as the {@code laneway.breaker.state} gauge reports it. */
  @Override
  public int breakerStateCode() {
    return switch (breaker.getState()) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 1;
      default -> 2;
    };
  }

  /** The last 16 breaker transitions, oldest first: {@code "open -> half_open @<epoch millis>"}. */
  @Override
  public List<String> breakerHistory() {
    return List.copyOf(transitions);
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** Opens the breaker when it is closed or half-open (an active probe found the lane's node down). */
  @Override
  public boolean eject(String reason) {
    CircuitBreaker.State s = breaker.getState();
    if (s != CircuitBreaker.State.CLOSED && s != CircuitBreaker.State.HALF_OPEN) return false;
    LOG.warning("lane " + id() + ": " + reason + ": opening the breaker");
    breaker.transitionToOpenState(); // a probe racing a transition to open is harmless (open -> open)
    return true;
  }

  /** Requests inside the lane now (admitted by the gate and not yet answered). */
  @Override
  public int admittedInFlight() {
    return gate.held();
  }

  /** Requests of one latency class inside the lane now. */
  @Override
  public int admittedInFlight(String latencyClass) {
    return gate.held(Priority.parse(latencyClass));
  }

  /** Observed latency of successful attempts, EWMA, in milliseconds (0 before the first). */
  @Override
  public double ewmaMs() {
    return latency.get();
  }

  /**
   * The {@code quantile} of this lane's recent successful attempts in a latency class (submit to answer, the last
   * {@value LatencyWindow#SIZE}), in nanoseconds; -1 until {@value #MIN_SAMPLES} were seen. Hedging waits this long.
   */
  @Override
  public long recentLatencyNanos(String latencyClass, double quantile) {
    return recent[Priority.parse(latencyClass).ordinal()].quantileNanos(quantile, MIN_SAMPLES);
  }

  /**
   * The inner lane's estimate plus the injected latency a call gets on average (the device's time); without an
   * estimate from the inner lane, the EWMA of observed latency (a remote lane before its first answer: the declared
   * round-trip time), or -1.
   */
  @Override
  public long expectedCompletionNanos(String latencyClass, int texts) {
    long e = inner.expectedCompletionNanos(latencyClass, texts);
    if (e < 0) {
      double ms = latency.get();
      if (ms <= 0) return -1;
      e = (long) (ms * 1e6);
    }
    long injected = 0;
    for (String d : spec().devices()) injected = Math.max(injected, faults.get(d).expectedLatencyNanos());
    return e + injected;
  }

  @Override
  public long expectedWaitNanos(String latencyClass) {
    return inner.expectedWaitNanos(latencyClass);
  }

  public Lane inner() {
    return inner;
  }

  @Override
  public boolean serves(String model, String variant) {
    return inner.serves(model, variant) && notAdmitted(model, variant) == null;
  }
}
