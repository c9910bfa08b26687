package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What every scenario shares: the options, the corpus, the report, the progress stream and the helpers that start a
 * gateway, probe a front door, run one open-loop step and summarise it. Owned by the scenario's thread.
 */
public final class BenchContext {
  private final BenchOptions options;
  private final Report report;
  private final PrintStream progress;
  private final Corpus corpus;

  public BenchContext(BenchOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
    this.report = new Report(options.scenario());
    this.corpus = Corpus.forModel(options.model());
  }

  public BenchOptions options() {
    return options;
  }

  public Report report() {
    return report;
  }

  public PrintStream progress() {
    return progress;
  }

  public Corpus corpus() {
    return corpus;
  }

  public GatewayProcess startGateway() {
    return startGateway(List.of());
  }

  /** As {@link #startGateway()}, with the scenario's own gateway options after {@code --gateway-arg}'s. */
  public GatewayProcess startGateway(List<String> scenarioArgs) {
    return startGateway(scenarioArgs, null, "gateway");
  }

  /**
   * As {@link #startGateway(List)}: its readiness asked over TLS with {@code tls} (null: plaintext), its log
   * {@code SCENARIO-NAME.log}.
   */
  public GatewayProcess startGateway(List<String> scenarioArgs, javax.net.ssl.SSLContext tls, String name) {
    return startGateway(scenarioArgs, tls, name, ChildJvm.Aot.USE);
  }

  /** As {@link #startGateway(List, javax.net.ssl.SSLContext, String)}, doing {@code aot} with the AOT cache. */
  public GatewayProcess startGateway(List<String> scenarioArgs, javax.net.ssl.SSLContext tls, String name,
      ChildJvm.Aot aot) {
    Path log = options.jsonFile().toAbsolutePath().getParent().resolve(options.scenario() + "-" + name + ".log");
    progress.println("[bench] starting a gateway (log " + log + ") ...");
    // every scenario but slo measures its own mechanism, without the SLO guard's shedding (slo turns it on itself)
    List<String> args = new java.util.ArrayList<>(List.of("--slo-shedding", "false"));
    args.addAll(options.gatewayArgs());
    args.addAll(scenarioArgs);
    GatewayProcess g = GatewayProcess.start(args, log, 180, tls == null ? null : tls.getSocketFactory(), aot);
    progress.println("[bench] gateway ready: " + g.describe());
    return g;
  }

  /** What e2e measures: the OIP server of {@code --target}, else a child gateway started now. */
  Target target() {
    if (options.target() == null) return Target.of(startGateway());
    Target t = Target.parse(options.target(), options.targetGrpc());
    progress.println("[bench] measuring " + t.describe() + " (not started by the bench)");
    return t;
  }

  /** Request number {@code i}: one text of the corpus. */
  public Request request(long i, String region, String latencyClass) {
    return new Request(options.model(), options.variant(), List.of(corpus.text(i)), region, latencyClass,
        options.timeoutMs() * 1000);
  }

  /** {@link #probe}, for a scenario that cannot run without this front door: fails with why. */
  public void requireProbe(InferClient client, String door) {
    String why = probe(client);
    if (why != null) throw new IllegalStateException(door + " front door failed its probe: " + why);
  }

  /** Sends one request and waits for it: null when it succeeded, else why (for "unavailable" front doors). */
  public String probe(InferClient client) {
    try {
      Reply r = client.infer(request(0, null, null)).get(60, TimeUnit.SECONDS);
      return r.ok() ? null : r.error();
    } catch (Exception e) {
      return "probe failed: " + e;
    }
  }

  /**
   * Warms a fresh gateway's front door (JIT, connection pool, executor) at a low rate before anything is measured:
   * {@code seconds} (2 with {@code --smoke}); shown in the HTML report, left out of the JSON.
   */
  public void warmUp(InferClient client, double rate, int seconds) {
    load(client, client.name() + " warm-up", Math.max(1, Math.min(rate, 40)), options.smoke() ? 2 : seconds, null, null);
  }

  /** One open-loop step at {@code rate} requests/s, added to the report. */
  public Recording load(InferClient client, String label, double rate, int seconds, String region, String latencyClass) {
    OpenLoop.Plan plan = new OpenLoop.Plan(rate, Duration.ofSeconds(seconds), Long.MAX_VALUE, true, label.hashCode(),
        Duration.ofMillis(Math.max(5000, 3 * options.timeoutMs())));
    Recording r = OpenLoop.run(label, plan, i -> client.infer(request(i, region, latencyClass)), 1, progress);
    report.add(r);
    return r;
  }

  /** Same as {@link #load} but with requests sent by {@code send}. */
  public Recording load(String label, double rate, int seconds, java.util.function.LongFunction<CompletableFuture<Reply>> send) {
    OpenLoop.Plan plan = new OpenLoop.Plan(rate, Duration.ofSeconds(seconds), Long.MAX_VALUE, true, label.hashCode(),
        Duration.ofMillis(Math.max(5000, 3 * options.timeoutMs())));
    Recording r = OpenLoop.run(label, plan, send, 1, progress);
    report.add(r);
    return r;
  }

  /** The in-process ONNX Runtime limit, or null (with a note) when this model or variant cannot be run in-process. */
  public OrtLimit.Result limit(boolean sortByLength, int warmUpSeconds, int seconds) {
    if (!OrtLimit.supports(options.model(), options.variant())) {
      report.note("no in-process limit: only " + OrtLimit.MODEL + " " + OrtLimit.VARIANT + " is measured in-process");
      return null;
    }
    progress.println("[bench] measuring the in-process ONNX Runtime limit (" + options.limitInstances()
        + " instance(s), batch " + options.limitBatch() + " rows / " + options.limitMaxBatchTokens()
        + " padded tokens, corpus " + corpus.name()
        + (sortByLength ? ", sorted by length" : ", request order") + ") ...");
    return OrtLimit.measure(corpus, options.limitInstances(), options.limitBatch(), options.limitMaxBatchTokens(),
        sortByLength, Duration.ofSeconds(warmUpSeconds), Duration.ofSeconds(seconds), progress);
  }

  /**
   * Requests per second taken as the gateway's capacity: {@code --rate}, else a quick search over {@code client} (grow
   * 1.5x from 10/s in short steps while the gateway keeps up: no failures, nothing lost and p50 under 100 ms, i.e. no
   * backlog; the last such step's rate). Saturation rather than p99 decides here, so a
   * burst of noise from other processes on a shared machine does not end the search. Recorded in {@code out} as
   * {@code capacity_sps} and {@code capacity_from}.
   */
  public double capacity(InferClient client, JsonObject out) {
    return capacity(client, out, null, null);
  }

  /** As {@link #capacity(InferClient, JsonObject)}, for requests from {@code region} in {@code latencyClass}. */
  public double capacity(InferClient client, JsonObject out, String region, String latencyClass) {
    return capacity(client, out, region, latencyClass, 10);
  }

  /**
   * As {@link #capacity(InferClient, JsonObject, String, String)}, the search starting at {@code startRate} (its 10
   * steps reach {@code startRate} x 1.5^9: 384/s from 10/s, 769/s from 20/s).
   */
  public double capacity(InferClient client, JsonObject out, String region, String latencyClass, double startRate) {
    if (options.rate() > 0) {
      out.put("capacity_sps", options.rate()).put("capacity_from", "--rate");
      return options.rate();
    }
    double rate = startRate;
    double best = Double.NaN;
    int steps = options.smoke() ? 2 : 10;
    for (int i = 0; i < steps; i++) {
      Recording r = load(client, String.format(Locale.ROOT, "capacity search %.0f/s", rate), rate,
          options.smoke() ? 2 : 4, region, latencyClass);
      if (!keepsUp(r, rate)) break;
      best = rate;
      rate *= 1.5;
      pause(1000);
    }
    if (Double.isNaN(best)) {
      String r = String.format(Locale.ROOT, "%.0f", startRate);
      out.put("capacity_sps", startRate)
          .put("capacity_from", "fallback " + r + "/s: the gateway did not keep up with " + r + "/s");
      return startRate;
    }
    out.put("capacity_sps", round(best)).put("capacity_from", "search: highest rate served without failures or backlog");
    pause(1000);
    return best;
  }

  static boolean keepsUp(Recording r, double rate) {
    double p50 = Recording.ms(r.latency(), 50);
    return r.failed() == 0 && r.sent() == r.answered() && p50 <= 100;
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms); // let the gateway's queues empty between steps
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The summary of one run: counts, errors, percentiles, throughput and where requests were served. */
  public static JsonObject summary(Recording r) {
    Histogram h = r.latency();
    JsonObject o = new JsonObject()
        .put("sent", r.sent()).put("succeeded", r.succeeded()).put("failed", r.failed())
        .put("lost", r.sent() - r.answered())
        .put("throughput_sps", round(r.throughput(1)))
        .put("p50_ms", round(Recording.ms(h, 50))).put("p99_ms", round(Recording.ms(h, 99)))
        .put("max_ms", round(Recording.ms(h, 100)));
    if (!r.errors().isEmpty()) o.put("errors", new JsonObject(Map.copyOf(r.errors())));
    if (!r.lanes().isEmpty()) o.put("lanes", new JsonObject(Map.copyOf(r.lanes())));
    if (!r.regions().isEmpty()) o.put("regions", new JsonObject(Map.copyOf(r.regions())));
    if (r.degraded() > 0) o.put("degraded", r.degraded());
    if (r.spilled() > 0) o.put("spilled", r.spilled());
    if (r.hedged() > 0) o.put("hedged", r.hedged());
    if (!r.retryAfter().isEmpty()) o.put("retry_after", new JsonObject(Map.copyOf(r.retryAfter())));
    if (r.overhead().getTotalCount() > 0) o.put("overhead_p50_ms", round(Recording.ms(r.overhead(), 50)));
    JsonObject byLength = new JsonObject();
    for (boolean longTexts : new boolean[] {false, true}) {
      Histogram l = r.byLength(longTexts);
      if (l.getTotalCount() == 0) continue;
      byLength.put((longTexts ? "ge" : "lt") + Recording.LONG_TOKENS + "_tokens", new JsonObject()
          .put("n", l.getTotalCount()).put("p50_ms", round(Recording.ms(l, 50)))
          .put("p99_ms", round(Recording.ms(l, 99))).put("max_ms", round(Recording.ms(l, 100))));
    }
    if (!byLength.isEmpty()) o.put("by_length", byLength);
    if (r.laneOverhead().getTotalCount() > 0) {
      o.put("lane_overhead_p50_ms", round(Recording.ms(r.laneOverhead(), 50)))
          .put("lane_overhead_p99_ms", round(Recording.ms(r.laneOverhead(), 99)));
    }
    if (r.executorQueue().getTotalCount() > 0) { // where a success's time went inside the lane's executor
      o.put("executor_queue_p50_ms", round(Recording.ms(r.executorQueue(), 50)))
          .put("executor_queue_p99_ms", round(Recording.ms(r.executorQueue(), 99)))
          .put("batch_compute_p50_ms", round(Recording.ms(r.batchCompute(), 50)))
          .put("batch_compute_p99_ms", round(Recording.ms(r.batchCompute(), 99)));
    }
    return o;
  }

  /** One decimal; null for NaN (JSON has no NaN). */
  public static Double round(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 10) / 10.0;
  }

  public static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }
}
