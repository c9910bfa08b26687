package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario ({@code e2e}, {@code failover}, {@code mixed}, {@code regions}) in {@code --smoke} mode against a real
 * child gateway (the one the gateway module packaged; {@code regions} adds two {@code laneway node} JVMs), so the
 * commands cannot rot. ({@code executor} runs in-process: {@code ExecutorBenchTest}.)
 */
class BenchSmokeTest {
  @BeforeAll
  static void gatewayIsBuilt() {
    assumeTrue(GatewayProcess.classpath(GatewayProcess.home()) != null,
        "gateway/target/laneway.classpath not found: package the gateway module first (it runs before loadtests in the reactor)");
  }

  @Test
  void e2e_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("e2e.json");
    Bench.Result r = Bench.run(BenchOptions.parse("e2e", "--smoke", "--json", json.toString()), Scenario.named("e2e"), System.err);
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
  }

  @Test
  void failover_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("failover.json");
    Bench.run(BenchOptions.parse("failover", "--smoke", "--json", json.toString()), Scenario.named("failover"), System.err);
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
  void mixed_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("mixed.json");
    Bench.run(BenchOptions.parse("mixed", "--smoke", "--json", json.toString()), Scenario.named("mixed"), System.err);
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

  @Test
  void regions_smoke(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("regions.json");
    Bench.run(BenchOptions.parse("regions", "--smoke", "--json", json.toString()), Scenario.named("regions"), System.err);
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
}
