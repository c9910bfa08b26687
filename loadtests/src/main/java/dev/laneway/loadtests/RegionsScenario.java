package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code regions}: three processes on 127.0.0.1: executor nodes for {@code hk} and {@code intl} (the intl
 * node adds the declared 40 ms hk↔intl RTT before each request, {@code --node-delay}: no netem here) and the hk gateway,
 * whose {@code hk-general} and {@code intl-general} lanes are remote and whose {@code hk-local} lane runs in the gateway
 * on the same kind of device. After an unmeasured warm-up (hk, intl and local clients together, at most
 * {@value #WARM_UP_SECONDS} s), phases, each {@code --seconds} long at {@code --rate} (default 20/s) per client, over
 * REST:
 * <ol>
 *   <li>{@code steady}: clients in hk and intl ({@code x-laneway-region}); per-region p50/p99 and where served;
 *   <li>{@code hop}: two hk clients at once, one routed to the remote {@code hk-general}, one to the local
 *       {@code hk-local} (the policy picks by latency class: {@code batch} → local; the test topology gives every class
 *       the same batch window): the remote hop's overhead is the difference of their p50 and p99;
 *   <li>{@code kill}: hk and intl clients; a third into the phase the intl node is SIGKILLed: intl traffic moves to hk
 *       (degraded), counted by lane, with errors and lost requests.
 * </ol>
 */
final class RegionsScenario implements Scenario {
  static final String[] REGIONS = {"hk", "intl"};
  static final String DECLARED_RTT = "40ms";
  /** The unmeasured warm-up: hk, intl and local clients together, at most this long, at {@link #WARM_UP_RATE}. */
  static final int WARM_UP_SECONDS = 15;
  static final double WARM_UP_RATE = 30;

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int seconds = o.seconds(10, 3);
    double rate = o.rate() > 0 ? o.rate() : 20;
    JsonObject out = new JsonObject().put("scenario", "regions").put("model", o.model()).put("variant", o.variant())
        .put("seconds_per_phase", seconds).put("rate_sps_per_client", rate)
        .put("setup", "gateway (hk, lane hk-local in process) + node hk + node intl (--node-delay " + DECLARED_RTT
            + "), separate JVMs on 127.0.0.1");
    Path dir = o.jsonFile().toAbsolutePath().getParent();
    Path nodeTopology = write(dir.resolve("regions-node-topology.yaml"), topology(1, 1));
    ctx.progress().println("[bench] starting nodes hk and intl ...");
    List<String> intlArgs = new java.util.ArrayList<>(o.admissionCacheArgs());
    intlArgs.addAll(List.of("--node-delay", DECLARED_RTT));
    try (NodeProcess hk = NodeProcess.start("hk", nodeTopology, 0, o.admissionCacheArgs(),
            dir.resolve("regions-node-hk.log"));
        NodeProcess intl = NodeProcess.start("intl", nodeTopology, 0, intlArgs, dir.resolve("regions-node-intl.log"))) {
      Path topology = write(dir.resolve("regions-topology.yaml"), topology(hk.grpcPort(), intl.grpcPort()));
      Path policy = write(dir.resolve("regions-policy.yaml"), POLICY);
      List<String> args = new java.util.ArrayList<>(List.of("--topology", topology.toString(), "--policy",
          policy.toString(), "--remote-probe-interval", "500ms", "--watch", "false"));
      args.addAll(o.gatewayArgs());
      try (GatewayProcess g = GatewayProcess.start(args, dir.resolve("regions-gateway.log"), 180);
          Http http = new Http("127.0.0.1", g.httpPort(), 30_000)) {
        out.put("gateway_log", g.log().toString());
        RestJsonClient client = new RestJsonClient(http);
        ctx.requireProbe(client, "REST JSON");
        // every path the phases measure, together, before any is measured: the gateway's REST door and its gRPC
        // client, each node's gRPC door and lane, the local lane; a JVM needs thousands of calls before the JIT has
        // compiled a path, and a remote hop measured on a cold node against a warm local lane measures the JIT
        int warm = Math.min(2 * seconds, WARM_UP_SECONDS);
        ctx.progress().println("[bench] warm-up: hk, intl and local clients at " + WARM_UP_RATE + "/s each for " + warm
            + " s (not measured)");
        ParallelLoad.run(List.of(
            () -> ctx.load(client, "warm-up hk", WARM_UP_RATE, warm, "hk", null),
            () -> ctx.load(client, "warm-up intl", WARM_UP_RATE, warm, "intl", null),
            () -> ctx.load(client, "warm-up local", WARM_UP_RATE, warm, "hk", "batch")));
        out.put("warm_up_s", warm).put("warm_up_rate_sps_per_client", WARM_UP_RATE);

        JsonObject steady = phase(ctx, client, rate, seconds, "steady", null);
        out.put("steady", steady);
        for (String r : REGIONS) {
          out.put(r + "_p50_ms", steady.getJsonObject(r).getValue("p50_ms"))
              .put(r + "_p99_ms", steady.getJsonObject(r).getValue("p99_ms"));
        }

        List<Recording> hop = ParallelLoad.run(List.of(
            () -> ctx.load(client, "hop: hk -> remote hk-general", rate, seconds, "hk", null),
            () -> ctx.load(client, "hop: hk -> local hk-local", rate, seconds, "hk", "batch")));
        JsonObject remote = BenchContext.summary(hop.get(0));
        JsonObject local = BenchContext.summary(hop.get(1));
        out.put("hop", new JsonObject().put("remote", remote).put("local", local));
        out.put("remote_hop_overhead_p50_ms", diff(remote, local, "p50_ms"))
            .put("remote_hop_overhead_p99_ms", diff(remote, local, "p99_ms"));

        JsonObject kill = phase(ctx, client, rate, seconds, "kill", () -> {
          sleep(seconds * 1000L / 3);
          ctx.progress().println("[bench] SIGKILL node intl");
          intl.kill();
        });
        out.put("kill", kill);
        long lost = 0;
        for (String p : List.of("steady", "kill")) {
          for (String r : REGIONS) lost += out.getJsonObject(p).getJsonObject(r).getLong("lost");
        }
        out.put("lost", lost + remote.getLong("lost") + local.getLong("lost"));
      }
    }
    return out;
  }

  private static JsonObject phase(BenchContext ctx, RestJsonClient client, double rate, int seconds, String name,
      Runnable during) {
    Thread side = during == null ? null : Thread.ofPlatform().name("regions-" + name).start(during);
    List<Supplier<Recording>> loops = List.of(
        () -> ctx.load(client, name + ": client in hk", rate, seconds, "hk", null),
        () -> ctx.load(client, name + ": client in intl", rate, seconds, "intl", null));
    List<Recording> rs = ParallelLoad.run(loops);
    if (side != null) {
      try {
        side.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    JsonObject o = new JsonObject();
    for (int i = 0; i < REGIONS.length; i++) o.put(REGIONS[i], BenchContext.summary(rs.get(i)));
    return o;
  }

  private static Double diff(JsonObject a, JsonObject b, String key) {
    Double x = a.getDouble(key);
    Double y = b.getDouble(key);
    return x == null || y == null ? null : BenchContext.round(x - y);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Path write(Path p, String text) {
    try {
      Files.createDirectories(p.getParent());
      return Files.writeString(p, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final String POLICY = """
      # bench regions: each region's clients go to their region's lane first; batch-class hk traffic goes to the
      # gateway's own local lane (to measure the remote hop against it). Spillover off: on a loaded machine a node's
      # reported queue time while its JVM warms up made the gateway spill hk clients to intl for most of a run, and the
      # hop phase then measured intl-general (40 ms declared delay) instead of hk-general (docs/issue-19.md)
      require_api_key: false
      spillover: {enabled: false}
      rules:
        - name: local-lane
          match: {latency_class: batch, client_region: hk}
          lanes: [{lane: hk-local}]
        - name: hk-clients
          match: {client_region: hk}
          lanes: [{lane: hk-general}, {lane: intl-general}]
        - name: intl-clients
          lanes: [{lane: intl-general}, {lane: hk-general}]
      """;

  /** Both nodes and the gateway read this topology; every lane has one instance and the same batching. */
  static String topology(int hkPort, int intlPort) {
    String batching = "{max_batch_size: 8, max_queue_delay: 1ms, max_queue_size: 1024}";
    return """
        local_region: hk
        regions:
          - {id: hk, cidrs: [127.0.0.0/8]}
          - {id: intl, cidrs: []}
        links:
          - {from: hk, to: intl, rtt: %s}
        devices:
          - {id: hk-cpu0, region: hk, kind: cpu, providers: [cpu]}
          - {id: hk-cpu1, region: hk, kind: cpu, providers: [cpu]}
          - {id: intl-cpu0, region: intl, kind: cpu, providers: [cpu]}
        lanes:
          - {id: hk-general, region: hk, class: general, devices: [hk-cpu0], remote: {address: "127.0.0.1:%d"}, batching: %s}
          - {id: intl-general, region: intl, class: general, devices: [intl-cpu0], remote: {address: "127.0.0.1:%d"}, batching: %s}
          - {id: hk-local, region: hk, class: general, devices: [hk-cpu1], batching: %s}
        models:
          - name: all-minilm-l6-v2
            space: all-minilm-l6-v2
            dimension: 384
            max_sequence_length: 256
            default_variant: int8
            variants:
              - {name: fp32, onnx: classpath:all-minilm-l6-v2.onnx, tokenizer: classpath:all-minilm-l6-v2-tokenizer.json}
              - {name: int8, onnx: classpath:all-minilm-l6-v2-q.onnx, tokenizer: classpath:all-minilm-l6-v2-q-tokenizer.json, quantized: true}
        """.formatted(DECLARED_RTT, hkPort, batching, intlPort, batching, batching);
  }
}
