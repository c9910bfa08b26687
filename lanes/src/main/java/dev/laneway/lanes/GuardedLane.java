package dev.laneway.lanes;

import dev.laneway.executor.ExecutorException;
import dev.laneway.topology.BreakerSpec;
import dev.laneway.topology.LaneSpec;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A lane behind a circuit breaker and a bulkhead, with admission results and injected device faults: what dispatch
 * talks to.
 *
 * <p>Design, after Envoy's outlier detection ({@code source/common/upstream/outlier_detection_impl.h}) and its router
 * ({@code router.cc}): every attempt's outcome is reported to the breaker, which ejects the lane (open) when the
 * failure or slow-call rate over the last {@code window} calls passes its threshold, refuses for {@code wait_in_open},
 * then lets {@code half_open_calls} probes decide between closed and open again (Resilience4j's count-based
 * {@link CircuitBreaker}, with automatic open → half-open so the state is visible without traffic). Only device
 * errors count: {@link LaneException.Unavailable} (device offline, failed execution) and
 * {@link LaneException.DeadlineExceeded} (timeouts); a lane shutting down does not count. Client errors (bad input, input too long, any exception that is
 * not one of those) and {@link LaneException.QueueFull} are ignored by the breaker: a healthy device is not ejected
 * because a client sent bad input or because it was busy. The bulkhead ({@code max_in_flight}) caps requests inside
 * the lane; over it, the attempt fails as full and dispatch tries the next candidate. Routing reads the state through
 * {@link #unavailableReason()} to skip an open lane before trying it, as Envoy's load balancer skips ejected hosts.
 *
 * <p>{@link #infer} is called from any thread and never blocks; outcomes are recorded on the lane thread that
 * completes the inner future (or a delay thread for injected latency).
 */
public final class GuardedLane implements Lane {
  private static final Logger LOG = Logger.getLogger(GuardedLane.class.getName());

  private final Lane inner;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final DeviceFaults faults;
  private final Map<String, Admission.Result> admission;
  private final Ewma latency;
  private final java.util.Deque<String> transitions = new java.util.concurrent.ConcurrentLinkedDeque<>();

  private GuardedLane(Lane inner, DeviceFaults faults, Map<String, Admission.Result> admission, double priorMs) {
    this.inner = inner;
    this.latency = new Ewma(priorMs);
    this.faults = faults;
    this.admission = Map.copyOf(admission);
    LaneSpec spec = inner.spec();
    this.breaker = CircuitBreaker.of(spec.id(), breakerConfig(spec.breaker()));
    this.bulkhead = Bulkhead.of(spec.id(), BulkheadConfig.custom()
        .maxConcurrentCalls(spec.maxInFlight()).maxWaitDuration(Duration.ZERO).build());
    breaker.getEventPublisher().onStateTransition(e -> {
      String t = e.getStateTransition().getFromState().name().toLowerCase() + " -> "
          + e.getStateTransition().getToState().name().toLowerCase();
      transitions.addLast(t + " @" + e.getCreationTime().toInstant().toEpochMilli());
      while (transitions.size() > 16) transitions.pollFirst();
      LOG.info("lane " + spec.id() + ": breaker " + t);
    });
  }

  /** Wraps a started lane; {@code admission} holds the verdicts by {@code model:variant} (empty for general lanes). */
  public static GuardedLane create(Lane inner, DeviceFaults faults, Map<String, Admission.Result> admission) {
    return new GuardedLane(inner, faults, admission, 0);
  }

  /**
   * As {@link #create(Lane, DeviceFaults, Map)}, with the latency EWMA starting from {@code priorMs} (a remote lane:
   * the declared round-trip time to its region) so routing orders it by cost before its first answer.
   */
  public static GuardedLane create(Lane inner, DeviceFaults faults, Map<String, Admission.Result> admission,
      double priorMs) {
    return new GuardedLane(inner, faults, admission, priorMs);
  }

  static CircuitBreakerConfig breakerConfig(BreakerSpec b) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(b.window())
        .minimumNumberOfCalls(b.minimumCalls())
        .failureRateThreshold(b.failureRate())
        .slowCallDurationThreshold(b.slowCall())
        .slowCallRateThreshold(b.slowCallRate())
        .waitDurationInOpenState(b.waitInOpen())
        .permittedNumberOfCallsInHalfOpenState(b.halfOpenCalls())
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .recordException(GuardedLane::isDeviceError)
        .build();
  }

  /** Device errors and timeouts count toward the breaker; client errors and a full queue do not. */
  static boolean isDeviceError(Throwable e) {
    if (e instanceof LaneException.Unavailable u && u.getCause() instanceof ExecutorException.ShuttingDown) {
      return false; // a lane draining at shutdown is not a failing device
    }
    return e instanceof LaneException.Unavailable || e instanceof LaneException.DeadlineExceeded;
  }

  @Override
  public CompletableFuture<LaneResult> infer(LaneCall call) {
    String id = inner.id();
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(new LaneException.Unavailable(id, id + ": breaker "
          + breaker.getState().name().toLowerCase() + " (not taking calls)", null));
    }
    if (!bulkhead.tryAcquirePermission()) {
      breaker.releasePermission();
      return CompletableFuture.failedFuture(new LaneException.QueueFull(id, id + ": bulkhead full ("
          + spec().maxInFlight() + " in flight, max_in_flight)"));
    }
    long start = System.nanoTime();
    CompletableFuture<LaneResult> f;
    try {
      f = faulted(call);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<LaneResult> attempt = f;
    CompletableFuture<LaneResult> answer = f.whenComplete((r, error) -> {
      bulkhead.onComplete();
      long took = System.nanoTime() - start;
      if (error == null) {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        latency.update(took / 1e6);
      } else {
        breaker.onError(took, TimeUnit.NANOSECONDS, unwrap(error));
      }
    });
    // issue-5 hook: cancelling the answer cancels the inner lane's, which frees the request's queued work
    answer.whenComplete((r, error) -> {
      if (answer.isCancelled()) attempt.cancel(false);
    });
    return answer;
  }

  /** Applies injected faults (offline, failure rate, latency) of the lane's devices, then calls the real lane. */
  private CompletableFuture<LaneResult> faulted(LaneCall call) {
    String id = inner.id();
    List<String> devices = spec().devices();
    if (!devices.isEmpty() && devices.stream().allMatch(d -> faults.get(d).offline())) {
      return CompletableFuture.failedFuture(new LaneException.Unavailable(id, id + ": device "
          + String.join(", ", devices) + " offline", null));
    }
    Duration delay = Duration.ZERO;
    for (String d : devices) {
      if (faults.failsNow(d)) {
        return CompletableFuture.failedFuture(new LaneException.Unavailable(id, id + ": device " + d
            + " failed (injected fault)", null));
      }
      DeviceFaults.Fault fault = faults.get(d);
      if (fault.latency().compareTo(delay) > 0) delay = fault.latency();
    }
    if (delay.isZero()) return inner.infer(call);
    long remaining = call.deadlineNanos() == Long.MAX_VALUE ? Long.MAX_VALUE : call.deadlineNanos() - System.nanoTime();
    if (delay.toNanos() >= remaining) {
      // the deadline passes during the injected latency: expire at the deadline, not after the delay
      Executor atDeadline = CompletableFuture.delayedExecutor(Math.max(0, remaining), TimeUnit.NANOSECONDS);
      return CompletableFuture.supplyAsync(() -> {
        throw new CompletionException(new LaneException.DeadlineExceeded(id, id + ": deadline passed after "
            + TimeUnit.NANOSECONDS.toMillis(Math.max(0, remaining)) + " ms of injected latency"));
      }, atDeadline);
    }
    Executor later = CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS);
    io.opentelemetry.context.Context context = io.opentelemetry.context.Context.current(); // batch links need it
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

  /** Why routing should skip this lane now, or null: an open breaker, or not ready. Half-open lanes take probes. */
  public String unavailableReason() {
    if (!inner.ready()) return "not ready";
    return switch (breaker.getState()) {
      case OPEN, FORCED_OPEN -> "breaker open";
      default -> null;
    };
  }

  /** Why admission refused a variant, or null when admitted (or never checked: general lanes). */
  public String notAdmitted(String model, String variant) {
    Admission.Result r = admission.get(model + ":" + variant);
    return r == null || r.admitted() ? null : r.reason();
  }

  public Map<String, Admission.Result> admission() {
    return admission;
  }

  /** {@code closed}, {@code half_open}, {@code open} (and Resilience4j's other states, lower-case). */
  public String breakerState() {
    return breaker.getState().name().toLowerCase();
  }

  /** 0 closed, 1 half-open, 2 open, as the {@code laneway.breaker.state} gauge reports it. */
  public int breakerStateCode() {
    return switch (breaker.getState()) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 1;
      default -> 2;
    };
  }

  /** The last 16 breaker transitions, oldest first: {@code "open -> half_open @<epoch millis>"}. */
  public List<String> breakerHistory() {
    return List.copyOf(transitions);
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** Requests inside the lane now (the bulkhead's count). */
  public int bulkheadInFlight() {
    return spec().maxInFlight() - bulkhead.getMetrics().getAvailableConcurrentCalls();
  }

  /** Observed latency of successful attempts, EWMA, in milliseconds (0 before the first). */
  public double ewmaMs() {
    return latency.get();
  }

  public Lane inner() {
    return inner;
  }

  @Override
  public String id() {
    return inner.id();
  }

  @Override
  public LaneSpec spec() {
    return inner.spec();
  }

  @Override
  public boolean serves(String model, String variant) {
    return inner.serves(model, variant) && notAdmitted(model, variant) == null;
  }

  @Override
  public List<DeviceStatus> devices() {
    return inner.devices();
  }

  @Override
  public boolean ready() {
    return inner.ready();
  }

  @Override
  public int inFlight() {
    return inner.inFlight();
  }

  @Override
  public void drainAndClose(long timeoutMillis) {
    inner.drainAndClose(timeoutMillis);
  }

  @Override
  public void close() {
    inner.close();
  }
}
