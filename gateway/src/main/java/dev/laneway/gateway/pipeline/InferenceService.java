package dev.laneway.gateway.pipeline;

import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.telemetry.GatewayMetrics;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneResult;
import dev.laneway.lanes.Lanes;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.TokenCounts;
import dev.laneway.routing.Candidate;
import dev.laneway.routing.Decision;
import dev.laneway.topology.ModelSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one dispatch entry point every door uses (OIP REST JSON and binary, OIP gRPC unary and streaming, OpenAI): a
 * door decodes its wire format into an {@link InferenceCall} with {@link #call}, hands it to {@link #infer}, and
 * encodes the {@link Reply} (vectors plus one parameter map) in its own format. Between the two this class looks up
 * every text in the {@link EmbeddingCache} for the variant routing would pick, dispatches only the misses through
 * the {@link Dispatcher}, and reassembles the answer in the request's order.
 *
 * <p>Threads: {@link #call} and {@link #infer} are called on an event loop and never block; the returned future
 * completes on a lane thread (or at once, on a full cache hit): doors bring it back to their event loop themselves.
 */
public final class InferenceService {
  public static final String LATENCY_HEADER = "x-laneway-latency-class";
  public static final String REGION_HEADER = "x-laneway-region";

  /** What a door encodes: one vector and token count per text, the variant that computed them, the parameters. */
  public record Reply(InferenceCall call, float[][] vectors, int[] tokenCounts, String variant, Map<String, Object> parameters) {
    public int promptTokens() {
      int n = 0;
      for (int t : tokenCounts) n += t;
      return n;
    }
  }

  private final Lanes lanes;
  private final Dispatcher dispatcher;
  private final EmbeddingCache cache;
  private final GatewayMetrics metrics;
  private final Tracer tracer;
  private final ClientRegion clientRegion;
  private final Duration defaultTimeout;

  public InferenceService(Lanes lanes, Dispatcher dispatcher, EmbeddingCache cache, GatewayMetrics metrics,
      Tracer tracer, ClientRegion clientRegion, Duration defaultTimeout) {
    this.lanes = lanes;
    this.dispatcher = dispatcher;
    this.cache = cache;
    this.metrics = metrics;
    this.tracer = tracer;
    this.clientRegion = clientRegion;
    this.defaultTimeout = defaultTimeout;
  }

  EmbeddingCache cache() {
    return cache;
  }

  /**
   * Builds the call from what every door has: request parameters ({@code latency_class}, {@code region},
   * {@code priority}, {@code timeout} in microseconds as Triton's schedule-policy extension; values are String,
   * Number or Boolean), headers or metadata (lower-case names: {@code x-laneway-latency-class},
   * {@code x-laneway-region}, {@code cache-control}, {@code x-api-key}, ...), and a transport deadline
   * ({@code transportTimeoutNanos} > 0, e.g. gRPC's {@code grpc-timeout}); the earliest deadline wins.
   *
   * @throws GatewayException.BadRequest naming the parameter at fault
   */
  public InferenceCall call(String id, String model, String version, List<String> texts, Map<String, Object> parameters,
      Map<String, String> headers, String remoteAddress, long transportTimeoutNanos, Context context) {
    int priority = priority(parameters.get("priority"));
    // Triton's schedule-policy priority (1 highest) picks the latency class when the caller names none:
    // 1 interactive, 2 standard, 3 and lower batch; 0 (unset) standard
    String byPriority = switch (priority) {
      case 0, 2 -> "standard";
      case 1 -> "interactive";
      default -> "batch";
    };
    String latency = stringParam(parameters, "latency_class", headers.get(LATENCY_HEADER), byPriority);
    switch (latency) {
      case "interactive", "standard", "batch" -> { }
      default -> throw new GatewayException.BadRequest(
          "latency_class: '" + latency + "' (expected: interactive, standard or batch)");
    }
    String region = clientRegion.resolve(stringParam(parameters, "region", headers.get(REGION_HEADER), null),
        remoteAddress);
    long timeout = defaultTimeout.toNanos();
    Object t = parameters.get("timeout");
    if (t != null) {
      if (!(t instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() <= 0) {
        throw new GatewayException.BadRequest("parameters.timeout: '" + t + "' (expected: microseconds > 0)");
      }
      timeout = TimeUnit.MICROSECONDS.toNanos(n.longValue());
    }
    if (transportTimeoutNanos > 0) timeout = Math.min(timeout, transportTimeoutNanos);
    Object lane = parameters.get("lane");
    if (lane != null) {
      // issue-8: a gateway's remote lane names the node's lane; NodePolicy routes on the header
      if (!(lane instanceof String l) || lanes.find(l).isEmpty()) {
        throw new GatewayException.BadRequest("parameters.lane: '" + lane + "' (expected: a lane this process serves: "
            + lanes.all().stream().map(dev.laneway.lanes.Lane::id).toList() + ")");
      }
      headers = new java.util.HashMap<>(headers);
      headers.put(NodePolicy.LANE_HEADER, l);
    }
    boolean noCache = headers.getOrDefault("cache-control", "").toLowerCase(Locale.ROOT).contains("no-cache");
    return new InferenceCall(id, model, version, texts, latency, region, "anonymous", System.nanoTime() + timeout,
        priority, headers, noCache, context);
  }

  private static int priority(Object p) {
    if (p == null) return 0;
    if (!(p instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0
        || n.longValue() > Integer.MAX_VALUE) {
      throw new GatewayException.BadRequest("parameters.priority: '" + p + "' (expected: an integer >= 0)");
    }
    return n.intValue();
  }

  private static String stringParam(Map<String, Object> parameters, String name, String header, String fallback) {
    Object v = parameters.get(name);
    if (v != null) {
      if (!(v instanceof String s)) throw new GatewayException.BadRequest("parameters." + name + ": expected a string");
      return s;
    }
    return header != null ? header : fallback;
  }

  /**
   * Answers a call: per-text cache look-up for the variant routing picks first, one dispatch for the misses, the
   * answer reassembled in the request's order; counted under {@code door}. Cancelling the returned future cancels
   * the dispatch of the misses.
   */
  public CompletableFuture<Reply> infer(String door, InferenceCall call) {
    long t0 = System.nanoTime();
    CompletableFuture<Reply> reply;
    try {
      reply = (call.noCache() || !cache.enabled()) ? bypass(call) : cached(call);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((r, e) -> {
      double ms = (System.nanoTime() - t0) / 1e6;
      if (e == null) {
        metrics.served(door, call.model(), r.variant(), ms);
      } else {
        metrics.failed(door, call.model(), ErrorMapping.toHttp(e).reason(), ms);
      }
    });
    return reply;
  }

  /** Counts a request that failed before it became a call (a decode error), under {@code door}. */
  public void decodeFailed(String door, String model, Throwable error, long startNanos) {
    metrics.failed(door, model == null ? "" : model, ErrorMapping.toHttp(error).reason(),
        (System.nanoTime() - startNanos) / 1e6);
  }

  private CompletableFuture<Reply> bypass(InferenceCall call) {
    cacheSpan(call, 0, 0, true).end();
    CompletableFuture<Answer> dispatched = dispatcher.dispatch(call);
    CompletableFuture<Reply> reply = dispatched.thenApply(a -> {
      Map<String, Object> params = parameters(a);
      params.put("cache", "bypass");
      params.put("cache_hits", 0);
      LaneResult r = a.result();
      params.put(Oip.TOKEN_COUNTS, TokenCounts.encode(r.tokenCounts()));
      return new Reply(call, r.vectors(), r.tokenCounts(), r.variant(), params);
    });
    propagateCancel(reply, dispatched);
    return reply;
  }

  private CompletableFuture<Reply> cached(InferenceCall call) {
    // routed once: the cache keys on the first candidate's variant and the misses run on the same decision; a refusal
    // throws, and infer() turns it into the failed reply
    Decision decision = dispatcher.route(call);
    Candidate first = decision.candidates().get(0);
    ModelSpec model = dispatcher.router().topology().model(call.model()).orElseThrow();
    String normalisation = model.pooling() + "+l2";
    List<String> texts = call.texts();
    List<EmbeddingCache.Key> keys = new ArrayList<>(texts.size());
    List<CompletableFuture<EmbeddingCache.Entry>> futures = new ArrayList<>(texts.size());
    List<Integer> owned = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      EmbeddingCache.Key key = EmbeddingCache.Key.of(call.model(), first.variant(), normalisation, texts.get(i));
      EmbeddingCache.Lookup l = cache.lookupOrClaim(key);
      keys.add(key);
      futures.add(l.future());
      if (l.owned()) owned.add(i);
    }
    int hits = texts.size() - owned.size();
    cacheSpan(call, hits, owned.size(), false).end();
    metrics.cacheLookups(call.model(), first.variant(), hits, owned.size());

    CompletableFuture<Answer> dispatched;
    if (owned.isEmpty()) {
      dispatched = CompletableFuture.completedFuture(null);
    } else {
      List<String> missing = new ArrayList<>(owned.size());
      for (int i : owned) missing.add(texts.get(i));
      dispatched = dispatcher.dispatch(withTexts(call, missing), decision);
      dispatched.whenComplete((a, e) -> {
        for (int j = 0; j < owned.size(); j++) {
          int i = owned.get(j);
          if (e != null) {
            cache.fail(keys.get(i), futures.get(i), e);
          } else {
            LaneResult r = a.result();
            cache.complete(keys.get(i), futures.get(i),
                new EmbeddingCache.Entry(r.vectors()[j], r.tokenCounts()[j], r.variant()));
          }
        }
      });
    }
    CompletableFuture<Reply> reply = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenCombine(dispatched, (ignored, answer) -> {
          float[][] vectors = new float[texts.size()][];
          int[] tokens = new int[texts.size()];
          for (int i = 0; i < texts.size(); i++) {
            EmbeddingCache.Entry e = futures.get(i).join();
            vectors[i] = e.vector();
            tokens[i] = e.tokens();
          }
          Map<String, Object> params;
          String variant;
          if (answer != null) {
            params = parameters(answer);
            variant = answer.result().variant();
          } else {
            params = hitParameters(call, decision, first);
            variant = futures.get(0).join().variant();
            params.put("variant", variant);
          }
          params.put("cache", owned.isEmpty() ? "hit" : hits == 0 ? "miss" : "partial");
          params.put("cache_hits", hits);
          params.put(Oip.TOKEN_COUNTS, TokenCounts.encode(tokens));
          return new Reply(call, vectors, tokens, variant, params);
        })
        // a text another request was computing failed there (that request's error, or its caller cancelled):
        // not this request's fault, so compute it all again without the cache; this request's own errors stand
        .exceptionallyCompose(e -> {
          if (dispatched.isCompletedExceptionally()) return dispatched.thenApply(a -> (Reply) null); // our own error
          return call.deadlineNanos() < System.nanoTime() ? CompletableFuture.failedFuture(e) : bypass(call);
        });
    propagateCancel(reply, dispatched);
    return reply;
  }

  private static void propagateCancel(CompletableFuture<?> outer, CompletableFuture<?> inner) {
    outer.whenComplete((r, e) -> {
      if (outer.isCancelled()) inner.cancel(false);
    });
  }

  private Span cacheSpan(InferenceCall call, int hits, int misses, boolean bypass) {
    return tracer.spanBuilder("cache").setParent(call.context())
        .setAttribute("cache.hits", hits).setAttribute("cache.misses", misses).setAttribute("cache.bypass", bypass)
        .startSpan();
  }

  /** The same call with other texts (the cache's misses). */
  static InferenceCall withTexts(InferenceCall c, List<String> texts) {
    return new InferenceCall(c.id(), c.model(), c.version(), texts, c.latencyClass(), c.clientRegion(), c.tenant(),
        c.deadlineNanos(), c.priority(), c.headers(), c.noCache(), c.context());
  }

  /**
   * The response parameters of a computed answer ({@link Answer#parameters()} plus the schedule-policy
   * {@code priority}), in the one place every door reads them from (REST JSON {@code parameters}, gRPC
   * {@code parameters}, OpenAI {@code x-laneway-*} headers). Mutable: the caller adds {@code cache} and
   * {@code cache_hits}.
   */
  static Map<String, Object> parameters(Answer a) {
    Map<String, Object> p = new LinkedHashMap<>(a.parameters());
    p.put("priority", a.call().priority());
    return p;
  }

  /** Parameters of an answer served wholly from the cache: where it would have run, no time spent there. */
  private Map<String, Object> hitParameters(InferenceCall call, Decision decision, Candidate first) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("lane", first.lane());
    p.put("region", first.region());
    Lane lane = lanes.find(first.lane()).orElse(null);
    DeviceStatus d = lane == null || lane.devices().isEmpty() ? null : lane.devices().get(0);
    p.put("device", d == null ? "" : d.device());
    p.put("provider", d == null ? "" : d.provider());
    p.put("stand_in", d != null && d.standIn());
    p.put("variant", first.variant());
    p.put("degraded", first.degraded());
    p.put("attempts", 0);
    p.put("latency_class", call.latencyClass());
    p.put("priority", call.priority());
    p.put("client_region", call.clientRegion());
    p.put("queue_ms", 0.0);
    p.put("compute_ms", 0.0);
    p.put("executor_ms", 0.0);
    p.put("rule", decision.rule());
    p.put("tenant", decision.tenant());
    p.put("hedged", false);
    if (decision.spill() != null) p.put("spilled_from", decision.spill().from());
    return p;
  }
}
