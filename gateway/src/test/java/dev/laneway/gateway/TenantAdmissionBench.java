package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.TenantStage;
import dev.laneway.gateway.telemetry.TenantMetrics;
import dev.laneway.gateway.tenants.LimiterStage;
import dev.laneway.gateway.tenants.TenantLimiter;
import dev.laneway.lanes.Lanes;
import dev.laneway.routing.PolicyLoader;
import dev.laneway.routing.Router;
import dev.laneway.routing.RoutingPolicy;
import dev.laneway.routing.Tenant;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The tenant stage's own cost per request, in process, measured (not asserted): the same stage the gateway runs
 * ({@link TenantStage} over the lanes' real tokenizers and the local {@link TenantLimiter}), for a tenant without
 * limits (the stage returns at once), one with a request rate only (the limiter, no token count), and one with a token
 * rate and a budget (the exact token count, then the limiter), with one and with eight texts. Single thread, warm,
 * alternating rounds; prints the median ns per request of each and writes {@code target/tenant-admission.txt}.
 *
 * <p>Opt-in like the other {@code *Bench} classes:
 * {@code ./mvnw -B -ntp -pl gateway -am test -Dtest=TenantAdmissionBench -Dlaneway.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "laneway.bench", matches = "true")
class TenantAdmissionBench {
  static final String POLICY = """
      tenants:
        - id: free
          api_keys: [sha256:c4f70b1101dea73e1b79695d2e062ed8e5716f8065aec280483351589cc360c9]  # sha256 of k-free
        - id: requests
          api_keys: [sha256:b417831ef236319976d51278a4a485fa063eb7c377d6bdb6d164407942d7e5ea]  # sha256 of k-requests
          limits:
            requests: {per_second: 1000000000, burst: 1000000000}
        - id: tokens
          api_keys: [sha256:54a5cfd9a6522b3c3be71fbac592f80af88011bfdbe92d1e21b4c1ab805e3ad5]  # sha256 of k-tokens
          limits:
            tokens: {per_second: 1000000000000, burst: 1000000000000}
            budget: {tokens: 1000000000000000, period: month}
      rules:
        - name: any
          lanes: [{class: general}]
      """;
  static final String SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank today.";

  @Test
  void measure() throws Exception {
    Topology topology = TopologyLoader.embeddedDefault();
    Path f = Files.createTempFile("policy", ".yaml");
    Files.writeString(f, POLICY);
    RoutingPolicy policy = PolicyLoader.load(f, topology);
    Router router = Router.create(topology, policy);
    try (Lanes lanes = Lanes.start(topology)) {
      TenantStage stage = new TenantStage(lanes::countTokens, new LimiterStage(TenantLimiter.local("hk")),
          new TenantMetrics(OpenTelemetry.noop().getMeter("bench")));
      List<String> one = List.of(SENTENCE);
      List<String> eight = java.util.Collections.nCopies(8, SENTENCE);
      String[] names = {"no limits, 1 text", "request rate, 1 text", "token rate + budget, 1 text",
          "token rate + budget, 8 texts"};
      InferenceCall[] calls = {call(router, "k-free", one), call(router, "k-requests", one),
          call(router, "k-tokens", one), call(router, "k-tokens", eight)};
      int n = Integer.getInteger("laneway.bench.iterations", 20_000);
      int rounds = Integer.getInteger("laneway.bench.rounds", 5);
      List<List<Double>> perOp = new ArrayList<>();
      for (int i = 0; i < calls.length; i++) perOp.add(new ArrayList<>());
      for (int r = -1; r < rounds; r++) { // round -1 warms up
        for (int i = 0; i < calls.length; i++) {
          long t0 = System.nanoTime();
          for (int k = 0; k < n; k++) stage.admit(calls[i]).join();
          if (r >= 0) perOp.get(i).add((System.nanoTime() - t0) / (double) n);
        }
      }
      StringBuilder out = new StringBuilder("tenant stage, ns per request (median of " + rounds + " rounds of " + n
          + "; one thread; " + Runtime.getRuntime().availableProcessors() + " cores)\n");
      for (int i = 0; i < calls.length; i++) {
        double[] v = perOp.get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
        out.append(String.format("  %-30s %10.0f ns  (rounds %s)%n", names[i], v[v.length / 2],
            Arrays.toString(Arrays.stream(v).mapToLong(Math::round).toArray())));
      }
      System.out.print(out);
      Files.writeString(Path.of("target", "tenant-admission.txt"), out.toString());
      assertEquals(13, lanes.countTokens("all-minilm-l6-v2", List.of("a b c d e f g h i j k")), "the set-up counts");
      assertTrue(calls[0].tenant().limits().isEmpty() && !calls[2].tenant().limits().isEmpty());
    }
  }

  static InferenceCall call(Router router, String key, List<String> texts) {
    Tenant t = router.policy().authenticate(key);
    return new InferenceCall("bench", null, "all-minilm-l6-v2", null, texts, "standard", "hk", t,
        System.nanoTime() + 60_000_000_000L, 0, Map.of(), false, Context.root(), router, null);
  }
}
