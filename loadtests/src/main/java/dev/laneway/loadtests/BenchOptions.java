package dev.laneway.loadtests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./laneway bench NAME [options]}: every option, with its default.
 *
 * @param json where the JSON goes (the HTML beside it); null: {@code loadtests/target/bench/NAME.json}
 * @param seconds 0: the scenario's own lengths; else seconds per load step (e2e, overload, tenants) or in all
 *     (failover, mixed, regions)
 * @param smoke a few seconds per phase, for CI
 * @param gatewayArgs more options for the child gateway, in order
 * @param model the model requests name
 * @param variant the model version requests name ({@code int8}: the variant the in-process limit measures)
 * @param rate requests per second for failover, mixed, regions, tenants and overload (both paths) at "capacity"; 0: a quick
 *     search against the gateway
 * @param limitInstances instance threads of the in-process limit (the lane's {@code instances})
 * @param limitBatch batch size of the in-process limit (the lane's {@code max_batch_size})
 * @param limitMaxBatchTokens padded-token bound of the in-process limit's batches (the lane's {@code max_batch_tokens}; 0:
 *     rows only)
 * @param timeoutMs the OIP {@code timeout} every request carries, so an overloaded gateway answers rather than queues
 * @param target {@code e2e} only: measure this OIP server ({@code http://HOST:PORT}) instead of starting a gateway; null
 * @param targetGrpc with {@code target}: its gRPC {@code HOST:PORT}; null: the target's gRPC doors are not measured
 */
public record BenchOptions(String scenario, Path json, int seconds, boolean smoke, List<String> gatewayArgs,
    String model, String variant, double rate, int limitInstances, int limitBatch, int limitMaxBatchTokens,
    long timeoutMs, String target, String targetGrpc) {

  public static final String HELP =
      """
      Usage: laneway bench NAME [options]        NAME: e2e, failover, mixed, overload, regions,
                                                   tenants, slo, drift, tls, train (the gateway's
                                                   ahead-of-time cache, trained under load), floor (the
                                                   load generator against a server that does no work)
        --json FILE            where the JSON goes, the HTML beside it (default loadtests/target/bench/NAME.json)
        --seconds N            seconds per load step (e2e, overload, tenants) or in all (others) (default: e2e 8,
                               overload 15, tenants 20, train 20 per main door, others 30)
        --smoke                a few seconds per phase, for CI
        --gateway-arg X        one more option for the child gateway (repeatable)
        --model M              model the requests name (default all-minilm-l6-v2)
        --variant V            model version to ask for (default int8, the one the in-process limit runs)
        --rate R               requests/s taken as capacity by failover, mixed, regions, tenants, and as both the
                               general and the NPU path's capacity by overload (default: a quick search); tls: the
                               one rate of every step (default: half e2e's REST JSON max at p99 <= 100 ms); train:
                               each front door's rate (default 150); floor: the highest rate (default 450); e2e: the rate of each searched door's warm-up
                               step (default: half the limit)
        --limit-instances N    instance threads of the in-process limit, as the lane's instances (default 2, as hk-general)
        --limit-batch N        batch size of the in-process limit, as the lane's max_batch_size (default 32)
        --limit-max-batch-tokens N  padded tokens per batch of the limit, as max_batch_tokens (default 256; 0: rows only)
        --timeout-ms N         OIP timeout parameter on every request (default 1000)
        --target URL           e2e only: measure this OIP server (http://HOST:PORT: Triton, a KServe runtime, another
                               Laneway) instead of starting a gateway; it must serve --model with a BYTES input
                               "text" (default: none, a child gateway is started)
        --target-grpc H:P      with --target: its gRPC port, for the gRPC doors (default: none, they are skipped)
        --help                 this text
      """;

  public BenchOptions {
    gatewayArgs = List.copyOf(gatewayArgs);
    if (seconds < 0) throw new IllegalArgumentException("--seconds: " + seconds + " (expected: >= 0)");
    if (rate < 0) throw new IllegalArgumentException("--rate: " + rate + " (expected: >= 0)");
    if (limitInstances < 1) throw new IllegalArgumentException("--limit-instances: " + limitInstances + " (expected: >= 1)");
    if (limitBatch < 1) throw new IllegalArgumentException("--limit-batch: " + limitBatch + " (expected: >= 1)");
    if (limitMaxBatchTokens < 0) {
      throw new IllegalArgumentException("--limit-max-batch-tokens: " + limitMaxBatchTokens + " (expected: >= 0)");
    }
    if (timeoutMs < 0) throw new IllegalArgumentException("--timeout-ms: " + timeoutMs + " (expected: >= 0)");
    if (target != null && !scenario.equals("e2e")) {
      throw new IllegalArgumentException("--target: only the e2e scenario measures another server (not " + scenario + ")");
    }
    if (targetGrpc != null && target == null) throw new IllegalArgumentException("--target-grpc: needs --target");
    if (target != null) Target.parse(target, targetGrpc); // a bad URL fails here, as a bad command line
  }

  public static BenchOptions parse(String... args) {
    if (args.length == 0 || args[0].startsWith("--")) throw new IllegalArgumentException("missing scenario NAME\n" + HELP);
    String scenario = args[0];
    Path json = null;
    int seconds = 0;
    boolean smoke = false;
    List<String> gw = new ArrayList<>();
    String model = "all-minilm-l6-v2";
    String variant = "int8";
    double rate = 0;
    int instances = 2; // hk-general in the embedded default runs 2 instances
    int batch = 32;
    int maxBatchTokens = 256; // hk-general's max_batch_tokens in the embedded default
    long timeoutMs = 1000;
    String target = null;
    String targetGrpc = null;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(0, eq) : a;
      if (eq > 0) value = a.substring(eq + 1);
      if (name.equals("--smoke")) {
        smoke = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) throw new IllegalArgumentException(name + ": missing value\n" + HELP);
        value = args[++i];
      }
      try {
        switch (name) {
          case "--json" -> json = Path.of(value);
          case "--seconds" -> seconds = Integer.parseInt(value);
          case "--gateway-arg" -> gw.add(value);
          case "--model" -> model = value;
          case "--variant" -> variant = value;
          case "--rate" -> rate = Double.parseDouble(value);
          case "--limit-instances" -> instances = Integer.parseInt(value);
          case "--limit-batch" -> batch = Integer.parseInt(value);
          case "--limit-max-batch-tokens" -> maxBatchTokens = Integer.parseInt(value);
          case "--timeout-ms" -> timeoutMs = Long.parseLong(value);
          case "--target" -> target = value;
          case "--target-grpc" -> targetGrpc = value;
          default -> throw new IllegalArgumentException("unknown option " + name + "\n" + HELP);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + ": '" + value + "' (expected: a number)");
      }
    }
    return new BenchOptions(scenario, json, seconds, smoke, gw, model, variant, rate, instances, batch, maxBatchTokens,
        timeoutMs, target, targetGrpc);
  }

  /** The JSON file this run writes. */
  public Path jsonFile() {
    if (json != null) return json;
    Path home = ChildJvm.home();
    Path base = home == null ? Path.of("target") : home.resolve("loadtests/target");
    return base.resolve("bench").resolve(scenario + ".json");
  }

  /**
   * The {@code --admission-cache} among {@link #gatewayArgs} (either form), for the other child JVMs a scenario starts
   * (nodes): they keep admission's figures where the gateway does. Empty when the gateway keeps its default.
   */
  public List<String> admissionCacheArgs() {
    for (int i = 0; i < gatewayArgs.size(); i++) {
      String a = gatewayArgs.get(i);
      if (a.startsWith("--admission-cache=")) return List.of(a);
      if (a.equals("--admission-cache") && i + 1 < gatewayArgs.size()) return List.of(a, gatewayArgs.get(i + 1));
    }
    return List.of();
  }

  /** Seconds of one phase: {@code --seconds}, or {@code smokeSeconds} with {@code --smoke}, or {@code normal}. */
  public int seconds(int normal, int smokeSeconds) {
    if (seconds > 0) return seconds;
    return smoke ? smokeSeconds : normal;
  }
}
