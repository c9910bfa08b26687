package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.gateway.oip.ModelCatalog;
import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.observability.Telemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default's start as {@code ./laneway} runs it: ready once every model has a warm lane (the general
 * lanes), the specialised lane admitted and warmed after and joining when warm; the self warm-up's requests through
 * the real pipeline before ready (a node's over its gRPC door, naming its lanes); readiness false until the start is
 * done.
 */
class StartupTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> get(Gateway g, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyWithTheGeneralLanes_specialisedLaneJoinsWhenWarm_afterASelfWarmUpThroughThePipeline() throws Exception {
    // a bound far longer than the test: the warm-up ends after 2 requests to each of the 4 variants
    try (Gateway g = Gateway.start(GatewayOptions.ephemeral().with("specialised-after-ready", "true")
        .with("warm-up", "120s").with("warm-up-requests", "2"))) {
      assertTrue(g.ready(), "every model has a warm lane");
      for (String general : List.of("hk-general", "intl-general")) {
        assertTrue(g.lanes().get(general).ready(), general + " is warm before ready");
      }
      // both general lanes' devices are CPU stand-ins asking for [cuda, cpu]: each variant's session is opened once
      // between them (SharedSessions), by whichever lane asked first
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.metricsPort() + "/metrics"))
          .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String model : List.of("all-minilm-l6-v2", "bge-small-zh-v1.5")) {
        for (String variant : List.of("fp32", "int8")) {
          double cold = 0;
          for (String general : List.of("hk-general", "intl-general")) {
            cold += Samples.sum(metrics, "laneway_cold_starts_total", "lane=\"" + general + "\"",
                "model=\"" + model + "\"", "variant=\"" + variant + "\"");
          }
          assertEquals(1.0, cold, model + ":" + variant + ": opened once for the two general lanes\n" + metrics);
        }
      }
      long computed = g.lanes().all().stream().mapToLong(Lane::computedTexts).sum();
      assertTrue(computed >= 15, "the self warm-up's 15 texts were computed before ready: " + computed);
      assertEquals(8.0, Samples.sum(metrics, "laneway_tenant_requests_total", "tenant=\"anonymous\""),
          "the self warm-up's requests: 2 to each of the 4 variants, then ready\n" + metrics);
      HttpResponse<String> ready = get(g, "/v2/health/ready");
      assertEquals(200, ready.statusCode());
      JsonObject lanes = new JsonObject(ready.body()).getJsonObject("lanes");
      assertEquals(Set.of("hk-general", "hk-npu", "intl-general"), lanes.fieldNames());
      assertEquals("ready", lanes.getString("hk-general"));
      assertTrue(Set.of("joining", "ready").contains(lanes.getString("hk-npu")), ready.body());

      g.lanes().joined().get(180, TimeUnit.SECONDS);
      Lane npu = g.lanes().get("hk-npu");
      assertTrue(npu.ready(), "joined: " + g.lanes().joining());
      assertTrue(npu.serves("all-minilm-l6-v2", "int8") && npu.serves("bge-small-zh-v1.5", "int8"));
      assertEquals(2, npu.health().admission().values().stream().filter(r -> r.admitted()).count(),
          "admitted after ready: " + npu.health().admission());
      assertEquals("joined", g.lanes().joining().get("hk-npu"));
      assertEquals("ready", new JsonObject(get(g, "/v2/health/ready").body()).getJsonObject("lanes")
          .getString("hk-npu"));
      assertTrue(g.ready());
    }
  }

  @Test
  void aNodeWarmsItselfUp_overGrpc_namingItsLanes(@TempDir Path dir) {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Gateway node = Gateway.start(GatewayOptions.ephemeral().with("topology", RegionFiles.topology(dir, 1, 1)
            .toString()).with("region", "intl").with("cache-max-bytes", "0").with("watch", "false")
            .with("warm-up", "120s").with("warm-up-requests", "3"),
        Telemetry.start("laneway-node-test", java.util.Map.of(), SimpleSpanProcessor.create(spans)))) {
      assertTrue(node.ready());
      assertTrue(node.lanes().get("intl-general").computedTexts() > 0, "the node's lane computed before ready");
      List<SpanData> served = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getKind() == SpanKind.SERVER && s.getName().endsWith("/ModelInfer")).toList();
      assertFalse(served.isEmpty(), "the warm-up came in through the gRPC door: " + spans.getFinishedSpanItems()
          .stream().map(SpanData::getName).distinct().toList());
      assertTrue(served.stream().allMatch(s -> s.getStatus().getStatusCode() != StatusCode.ERROR),
          "every warm-up call was answered");
      long targets = node.lanes().all().stream().mapToLong(l -> node.topology().models().stream()
          .flatMap(m -> m.variants().stream().filter(v -> l.serves(m.name(), v.name()))).count()).sum();
      assertTrue(targets > 0);
      assertEquals(3 * targets, served.size(), "3 calls for each of the node's lanes and variants, then ready");
    }
  }

  @Test
  void notReady_untilTheStartIsDone() {
    Intake intake = new Intake();
    Lanes none = Lanes.of(List.of());
    assertFalse(new ModelCatalog(null, none, intake, () -> false).serverReady(), "warming itself up: not ready");
    assertTrue(new ModelCatalog(null, none, intake, () -> true).serverReady());
    intake.stopAccepting();
    assertFalse(new ModelCatalog(null, none, intake, () -> true).serverReady(), "draining: not ready");
  }
}
