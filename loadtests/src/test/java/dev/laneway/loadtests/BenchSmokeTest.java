package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario ({@code e2e}, {@code failover}, {@code mixed}, {@code overload}, {@code regions}, {@code tenants}) in
 * {@code --smoke}
 * mode against a real child gateway (the one the gateway module packaged; {@code regions} adds two {@code laneway node}
 * JVMs), so the commands cannot rot. ({@code executor} runs in-process: {@code ExecutorBenchTest}.)
 */
class BenchSmokeTest {
  /**
   * The scenario's smoke options: its JSON in the test's directory, and every child gateway (and node) keeping
   * admission's measured cosines in a file of that directory, never the developer's {@code ~/.cache/laneway}.
   */
  static BenchOptions smoke(String scenario, Path dir) {
    return BenchOptions.parse(scenario, "--smoke", "--json", dir.resolve(scenario + ".json").toString(),
        "--gateway-arg", "--admission-cache=" + dir.resolve("admission.properties"));
  }

  @BeforeAll
  static void gatewayIsBuilt() {
    assumeTrue(ChildJvm.classpath(ChildJvm.home()) != null,
        "gateway/target/laneway.classpath not found: package the gateway module first (it runs before loadtests in the reactor)");
  }

  @Test
  void e2e_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("e2e.json");
    Bench.Result r = Bench.run(smoke("e2e", dir), Scenario.named("e2e"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    assertEquals(r.json(), out);
    assertTrue(out.getDouble("limit_sps") > 0, "in-process limit measured: " + out.getValue("limit_sps"));
    JsonObject http = out.getJsonObject("transports").getJsonObject("http");
    assertTrue(http.getBoolean("available"), "REST JSON answers: " + http);
    assertFalse(http.getJsonArray("steps").isEmpty());
    JsonObject first = http.getJsonArray("steps").getJsonObject(0);
    assertTrue(first.getLong("succeeded") > 0, "some REST JSON requests succeeded: " + first);
    assertEquals(0, first.getLong("lost"), "nothing lost: " + first);
    for (String t : new String[] {"grpc", "rest-binary", "grpc-stream", "openai"}) {
      JsonObject o = out.getJsonObject("transports").getJsonObject(t);
      if (o != null && !o.getBoolean("available")) assertNotNull(o.getString("unavailable"), t + " says why");
    }
    String html = Files.readString(r.htmlFile());
    assertTrue(html.contains("<svg") && html.contains("latency distribution") && !html.contains("<script"), "self-contained HTML with plots");
    // the default topology's NPU lane measured int8 against fp32: the child gateway kept it in this test's file
    Properties cached = new Properties();
    try (var in = Files.newBufferedReader(dir.resolve("admission.properties"))) {
      cached.load(in);
    }
    assertFalse(cached.isEmpty(), "a measured cosine in the test's own admission cache");
  }

  /**
   * {@code e2e --target}: a second Laneway started by hand (here: a child gateway this test starts and stops), measured
   * as any OIP server would be, with the same steps and report and without the bench starting a gateway.
   */
  @Test
  void e2e_againstATargetItDidNotStart(@TempDir Path dir) throws IOException {
    try (GatewayProcess g = GatewayProcess.start(List.of("--admission-cache=" + dir.resolve("admission.properties")),
        dir.resolve("target.log"), 180)) {
      BenchOptions o = BenchOptions.parse("e2e", "--smoke", "--json", dir.resolve("e2e.json").toString(), "--target",
          "http://127.0.0.1:" + g.httpPort(), "--target-grpc", "127.0.0.1:" + g.grpcPort());
      JsonObject out = Bench.run(o, Scenario.named("e2e"), System.err).json();
      assertTrue(out.getString("server").startsWith("target http://127.0.0.1:" + g.httpPort()), out.getString("server"));
      assertNull(out.getValue("gateway_log"), "no gateway of its own");
      for (String t : new String[] {"http", "grpc"}) {
        JsonObject first = out.getJsonObject("transports").getJsonObject(t).getJsonArray("steps").getJsonObject(0);
        assertTrue(first.getLong("succeeded") > 0, t + ": the target answered: " + first);
        assertEquals(0, first.getLong("lost"), t + ": nothing lost: " + first);
        assertNull(first.getJsonObject("cpu_us_per_request").getValue("gateway"), "the target's CPU is not sampled");
      }
      assertTrue(g.alive(), "the bench leaves the target running");
    }
  }

  @Test
  void failover_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("failover.json");
    Bench.run(smoke("failover", dir), Scenario.named("failover"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    assertTrue(out.getLong("sent") > 0);
    assertTrue(out.getLong("succeeded") > 0, "succeeded: " + out.getValue("succeeded"));
    assertEquals(0, out.getLong("lost"), "lost must be 0: " + out.encode());
    assertEquals(out.getLong("sent"), out.getLong("succeeded") + out.getLong("failed_total") + out.getLong("lost"));
    assertNotNull(out.getValue("p99_ms_before"), "p99 before the fault");
    String html = Files.readString(dir.resolve("failover.html"));
    assertTrue(html.contains("hk-npu0 offline") && html.contains("<svg"), "the fault is marked on the timeline");
  }

  @Test
  void drift_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("drift.json");
    Bench.run(smoke("drift", dir), Scenario.named("drift"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    assertTrue(out.getLong("succeeded") > 0, "succeeded: " + out.getValue("succeeded"));
    assertEquals(0, out.getLong("lost"), "lost must be 0: " + out.encode());
    assertEquals(out.getLong("sent"), out.getLong("succeeded") + out.getLong("failed_total") + out.getLong("lost"));
    assertNotNull(out.getJsonObject("drift"), "the drift state at the end");
    String html = Files.readString(dir.resolve("drift.html"));
    assertTrue(html.contains("hk-npu0 corrupt") && html.contains("<svg"), "the fault is marked on the timeline");
  }

  @Test
  void mixed_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("mixed.json");
    Bench.run(smoke("mixed", dir), Scenario.named("mixed"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    assertEquals(0, out.getLong("lost"), "lost must be 0: " + out.encode());
    for (String c : new String[] {"interactive", "batch"}) {
      JsonObject cls = out.getJsonObject("classes").getJsonObject(c);
      assertTrue(cls.getLong("succeeded") > 0, c + " answered: " + cls);
      assertEquals(0, cls.getLong("lost"), c + ": " + cls);
      assertNotNull(out.getValue(c + "_p99_ms"), c + " p99");
    }
    assertTrue(Files.readString(dir.resolve("mixed.html")).contains("<svg"));
  }

  /**
   * Plaintext and TLS gateways at one rate, REST JSON and gRPC each; fresh TLS handshakes to the gRPC port; a gateway's
   * new connection to a node over mutual TLS, timed by the gateway.
   */
  @Test
  void tls_smoke(@TempDir Path dir) throws IOException {
    Bench.run(smoke("tls", dir), Scenario.named("tls"), System.err);
    JsonObject out = new JsonObject(Files.readString(dir.resolve("tls.json")));
    assertTrue(out.getDouble("rate_sps") > 0, "one rate for every step: " + out.encode());
    for (String mode : new String[] {"plaintext", "tls"}) {
      for (String door : new String[] {"rest", "grpc"}) {
        JsonObject s = out.getJsonObject(mode).getJsonObject(door);
        assertTrue(s.getLong("succeeded") > 0, mode + " " + door + " answered: " + s);
        assertEquals(0, s.getLong("lost"), mode + " " + door + " lost nothing: " + s);
        assertNotNull(out.getValue(door + "_p99_ms_" + mode), door + "_p99_ms_" + mode);
      }
    }
    JsonObject nc = out.getJsonObject("new_connection");
    assertTrue(nc.getString("negotiated").startsWith("TLSv1.3"), "TLS 1.3 to the gRPC port: " + nc);
    assertTrue(nc.getString("negotiated").endsWith("ALPN h2"), nc.encode());
    assertTrue(out.getDouble("tcp_tls_handshake_ms_p50") > 0, nc.encode());
    JsonObject link = out.getJsonObject("mtls_link");
    assertEquals(0, link.getJsonObject("served").getLong("failed"), "served through the mutual TLS link: " + link);
    assertEquals("intl-general", link.getJsonObject("served").getJsonObject("lanes").fieldNames().iterator().next(),
        link.encode());
    assertTrue(out.getDouble("remote_first_connect_ms") > 0, "the gateway timed its new connection: " + link);
    assertTrue(out.getDouble("remote_reconnect_ms") > 0, "and its reconnection to the restarted node: " + link);
    assertTrue(link.getString("gateway_connect_over").startsWith("TLSv1.3"), link.encode());
    // one connection per gateway event loop that sent to the node (LoopClients), before the restart and again after
    // it: every one timed once, in the log and the metric alike
    int connects = link.getJsonArray("gateway_connects_ms").size();
    assertTrue(connects >= 2, "a first connection and a reconnection: " + link.encode());
    assertEquals(connects, link.getJsonObject("gateway_connect_metric").getDouble("count"), 0.0, link.encode());
    assertEquals(0, link.getJsonObject("served_after_restart").getLong("lost"), link.encode());
    assertTrue(link.getJsonObject("bench_handshakes").getDouble("tcp_tls_handshake_ms_p50") > 0, link.encode());
  }

  /** Both phases run at the same rates and report what the figures are read from (shedding itself is measured). */
  @Test
  void slo_smoke(@TempDir Path dir) throws IOException {
    Bench.run(smoke("slo", dir), Scenario.named("slo"), System.err);
    JsonObject out = new JsonObject(Files.readString(dir.resolve("slo.json")));
    for (String phase : new String[] {"shedding_off", "shedding_on"}) {
      JsonObject p = out.getJsonObject(phase);
      assertNotNull(p, phase + ": " + out.encode());
      assertTrue(p.getJsonObject("interactive").getLong("succeeded") > 0, phase + " interactive answered: " + p);
      assertNotNull(p.getJsonObject("slo_at_end").getString("shedding"), phase + " read /v2/slo: " + p);
    }
    assertEquals("none", out.getJsonObject("shedding_off").getJsonObject("slo_at_end").getString("shedding"),
        "--slo-shedding false sheds nothing");
    assertNotNull(out.getValue("interactive_p99_ms_on"));
  }

  /**
   * What can fail even at smoke rates: the scenario runs every phase, nothing interactive is lost, and every field the
   * issue's figures are read from is there. The figures themselves (success rate 1.0, no breaker transitions, fewer
   * spilled failures) are measured claims that the full bench reports; they are not asserted here.
   */
  @Test
  void overload_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("overload.json");
    Bench.run(smoke("overload", dir), Scenario.named("overload"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    for (String f : new String[] {"interactive_success_rate", "interactive_p50_ms_alone", "interactive_p99_ms_alone",
        "interactive_p50_ms_flood", "interactive_p99_ms_flood", "breaker_transitions_during_flood", "batch_429",
        "spill_off_sps", "spill_off_p99_ms", "spill_on_sps", "spill_on_p99_ms", "hedge_off_p99_ms", "hedge_on_p99_ms",
        "hedges_sent"}) {
      assertTrue(out.containsKey(f), "field " + f + ": " + out.fieldNames());
    }
    assertEquals(0, out.getLong("interactive_lost"), "no interactive request lost: " + out.encode());
    String[][] runs = {{"batch_flood", "alone"}, {"batch_flood", "during"}, {"batch_flood", "batch"},
        {"spillover", "off"}, {"spillover", "on"}, {"hedging", "off"}, {"hedging", "on"}};
    for (String[] r : runs) {
      JsonObject summary = out.getJsonObject(r[0]).getJsonObject(r[1]).getJsonObject("summary");
      assertNotNull(summary, r[0] + "." + r[1] + " has a summary");
      assertTrue(summary.getLong("sent") > 0, r[0] + "." + r[1] + " sent requests: " + summary);
      if (!r[1].equals("batch")) assertEquals(0, summary.getLong("lost"), r[0] + "." + r[1] + ": " + summary);
    }
    JsonObject interactive = out.getJsonObject("batch_flood").getJsonObject("interactive");
    assertEquals(interactive.getLong("sent"), interactive.getLong("succeeded")
        + interactive.getJsonObject("failed").stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum()
        + interactive.getLong("lost"), "every probe request accounted for: " + interactive);
    JsonObject fault = out.getJsonObject("hedging").getJsonObject("fault");
    assertEquals(200, fault.getJsonObject("cleared").getInteger("status"), "the fault is cleared: " + fault);
    String html = Files.readString(dir.resolve("overload.html"));
    assertTrue(html.contains("phase 1b: batch flood") && html.contains("phase 3: hedging on"), "phases marked");
  }

  @Test
  void regions_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("regions.json");
    Bench.run(smoke("regions", dir), Scenario.named("regions"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    assertEquals(0, out.getLong("lost"), "lost must be 0: " + out.encode());
    JsonObject steady = out.getJsonObject("steady");
    assertTrue(steady.getJsonObject("hk").getJsonObject("lanes").containsKey("hk-general"), "hk clients served in hk: " + steady);
    assertTrue(steady.getJsonObject("intl").getJsonObject("lanes").containsKey("intl-general"),
        "intl clients served by the intl node: " + steady);
    JsonObject kill = out.getJsonObject("kill").getJsonObject("intl");
    assertTrue(kill.getJsonObject("lanes").getInteger("hk-general", 0) > 0,
        "after the intl node is killed, intl clients move to hk-general: " + kill);
    assertEquals(0, kill.getLong("lost"), "nothing lost when the node dies: " + kill);
  }

  /**
   * What can fail at smoke rates: every phase runs, every figure's key is there, B (10% of capacity, with and without
   * A's flood) gets every request answered, and with nothing else running gets 200 for each. The fairness figures and
   * B's 200s under the flood are the full bench's claims (they need the fair share), not asserted here.
   */
  @Test
  void tenants_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("tenants.json");
    Bench.run(smoke("tenants", dir), Scenario.named("tenants"), System.err);
    JsonObject out = new JsonObject(Files.readString(json));
    for (String f : new String[] {"capacity_sps", "b_p50_ms_alone", "b_p99_ms_alone", "b_p50_ms_flood",
        "b_p99_ms_flood", "b_p99_ratio", "b_p99_ms_busy_core", "b_p99_ratio_busy_core", "b_failures_alone", "b_failures_flood", "a_succeeded", "a_refused",
        "fair_equal_share_c", "fair_equal_share_d", "fair_equal_jain", "fair_weighted_ratio", "fair_weighted_jain",
        "admission_us_limited", "admission_us_unlimited", "targets_met"}) {
      assertTrue(out.containsKey(f), "field " + f + ": " + out.fieldNames());
    }
    assertEquals(200, out.getJsonObject("setup").getJsonObject("policy").getInteger("status"),
        "the gateway took the tenants: " + out.getJsonObject("setup").encode());
    JsonObject noisy = out.getJsonObject("noisy_neighbour");
    JsonObject alone = noisy.getJsonObject("b_alone");
    assertEquals(new JsonObject().put("hk-general", alone.getLong("succeeded")), alone.getJsonObject("lanes"),
        "B's rule sends it to hk-general only: " + alone);
    assertTrue(alone.getLong("sent") > 0, "B sent: " + alone);
    assertEquals(alone.getLong("sent"), alone.getLong("succeeded"), "B alone: every request a 200: " + alone);
    JsonObject busy = noisy.getJsonObject("b_busy_core");
    assertEquals(busy.getLong("sent"), busy.getLong("succeeded"), "B beside a busy core: every request a 200: " + busy);
    JsonObject flood = noisy.getJsonObject("b_flood");
    assertTrue(flood.getLong("sent") > 0, "B sent during the flood: " + flood);
    assertEquals(flood.getLong("sent"), flood.getLong("answered"), "B during the flood: all answered: " + flood);
    assertTrue(noisy.getJsonObject("a_flood").getLong("sent") > 0, "A flooded: " + noisy);
    for (String phase : new String[] {"equal", "weighted"}) {
      JsonObject p = out.getJsonObject("fairness").getJsonObject(phase);
      assertEquals(200, p.getJsonObject("policy").getInteger("status"), phase + ": weights reloaded: " + p);
      for (String t : new String[] {"c", "d"}) {
        assertTrue(p.getJsonObject(t).getLong("served_tokens") > 0, phase + " " + t + " served tokens: " + p);
      }
      assertNotNull(p.getValue("jain_index"), phase + ": Jain's index: " + p);
    }
    assertTrue(out.getJsonObject("admission").containsKey("limited")
        || out.getJsonObject("admission").containsKey("unavailable"), "admission measured or said why");
    String html = Files.readString(dir.resolve("tenants.html"));
    assertTrue(html.contains("A floods batch") && html.contains("one core busy outside") && html.contains("fairness weighted (3:1)"), "phases marked");
  }

  /**
   * {@code train}: a child gateway trains the ahead-of-time cache under load and writes it when it exits; the next
   * child gateway starts from it ({@code laneway.gateway.aot} stands in for the launcher's {@code LANEWAY_GATEWAY_AOT}).
   * The cache's directory is made if missing (the JVM would not make it, and would fail to write the cache).
   */
  @Test
  void train_writesTheCacheTheNextGatewayStartsFrom(@TempDir Path dir) throws IOException {
    Path aot = dir.resolve("aot/gateway-test.aot"); // a fresh clone has no cache directory: bench train makes it
    System.setProperty("laneway.gateway.aot", aot.toString());
    try {
      JsonObject out = Bench.run(smoke("train", dir), Scenario.named("train"), System.err).json();
      assertTrue(Files.size(aot) > 1 << 20, "a cache written: " + Files.size(aot) + " bytes");
      assertEquals(Files.size(aot), out.getLong("aot_bytes"));
      assertEquals(143, out.getInteger("exit_status"), "stopped by SIGTERM, not killed: " + out);
      assertEquals(0, out.getLong("failed"), "every training request answered: " + out);
      for (String door : new String[] {"rest-json", "grpc", "rest-binary", "grpc-stream", "openai"}) {
        JsonObject d = out.getJsonObject("doors").getJsonObject(door);
        assertTrue(d.getLong("succeeded", 0L) > 0, door + " trained: " + d);
      }
      try (GatewayProcess next = GatewayProcess.start(List.of("--admission-cache=" + dir.resolve("admission.properties")),
          dir.resolve("next.log"), 180)) {
        assertEquals(aot.toString(), next.aotCache(), next.describe());
        assertTrue(Files.readString(next.log()).contains("ready in"), "the next gateway started from it");
      }
    } finally {
      System.clearProperty("laneway.gateway.aot");
    }
  }

  /** {@code floor}: the load generator against a server in its own process that does no work; no gateway. */
  @Test
  void floor_smoke(@TempDir Path dir) throws IOException {
    JsonObject out = Bench.run(smoke("floor", dir), Scenario.named("floor"), System.err).json();
    assertEquals(3, out.getJsonArray("steps").size(), out.encode());
    for (int i = 0; i < 3; i++) {
      JsonObject step = out.getJsonArray("steps").getJsonObject(i);
      assertTrue(step.getLong("sent") > 0, "sent: " + step);
      assertEquals(step.getLong("sent"), step.getLong("succeeded"), "every request a 200 with an answer: " + step);
      double p50 = step.getDouble("p50_ms");
      assertEquals(p50, step.getDouble("overhead_p50_ms"), 0.02 + p50 * 0.01,
          "the null server reports executor_ms 0, so the overhead is the whole latency: " + step);
    }
    assertEquals(0.25 * 450, out.getJsonArray("steps").getJsonObject(0).getDouble("rate"), 1e-9);
  }

  @Test
  void aotOptions_useAnExistingCacheOnly_trainWritesOne(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("gateway-k.aot");
    assertEquals(List.of(), ChildJvm.aotOptions(ChildJvm.Aot.USE, f), "no file yet: no cache");
    assertEquals(List.of("-XX:AOTCacheOutput=" + f, "-Xlog:aot=error,cds=error"),
        ChildJvm.aotOptions(ChildJvm.Aot.TRAIN, f));
    Files.writeString(f, "x");
    assertEquals(List.of("-XX:AOTCache=" + f, "-Xlog:aot=error,cds=error"),
        ChildJvm.aotOptions(ChildJvm.Aot.USE, f));
    assertEquals(List.of(), ChildJvm.aotOptions(ChildJvm.Aot.USE, null), "outside the launcher");
  }
}
