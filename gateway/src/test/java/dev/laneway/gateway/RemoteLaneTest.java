package dev.laneway.gateway;

import dev.laneway.gateway.pipeline.Calls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.laneway.observability.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway and an executor node in this JVM, both exporting spans to one in-memory exporter: a request through a
 * remote lane is one trace (gateway server span → node server span → batch linked), and a client's deadline expires
 * at the node. The node adds 100 ms before each request ({@code --node-delay}, the declared RTT stand-in). The hk lane
 * points at a port nobody listens on: probes eject it.
 *
 * <p>Each test starts its own node and gateway, exporting to its own exporter, so none sees a breaker, an ejection or
 * a span another left; a test that needs a state the probes bring about (the hk lane ejected) waits for it on a
 * condition it can see, never for a fixed time.
 */
class RemoteLaneTest {
  /** This test's spans: a new exporter per test (closing a gateway shuts its exporter down for good). */
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");
  static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  Gateway node;
  Gateway gateway;

  @BeforeEach
  void start(@TempDir Path dir) {
    Path nodeTopology = RegionFiles.topology(dir, 1, 1);
    node = Gateway.start(GatewayOptions.ephemeral().with("topology", nodeTopology.toString()).with("region", "intl")
            .with("node-delay", "100ms").with("cache-max-bytes", "0").with("watch", "false"),
        Telemetry.start("laneway-node-test", java.util.Map.of(), SimpleSpanProcessor.create(spans)));
    Path gatewayTopology = RegionFiles.topology(dir, RegionFiles.freePort(), node.grpcPort());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", gatewayTopology.toString())
            .with("policy", RegionFiles.policy(dir).toString()).with("remote-probe-interval", "200ms")
            .with("cache-max-bytes", "0").with("watch", "false"),
        Telemetry.start("laneway-gateway-test", java.util.Map.of(), SimpleSpanProcessor.create(spans)));
    assertTakesCalls(node, "intl-general");
    assertTakesCalls(gateway, "intl-general");
  }

  @AfterEach
  void stop() {
    if (gateway != null) gateway.close();
    if (node != null) node.close();
  }

  static void assertTakesCalls(Gateway g, String lane) {
    assertNull(g.lanes().get(lane).health().unavailableReason(), lane + " takes calls from the start");
  }

  @Test
  void node_servesOnlyItsRegionsLanes() {
    assertEquals(List.of("intl-general"), node.lanes().all().stream().map(l -> l.id()).toList());
    assertEquals(Set.of("hk-general", "intl-general"),
        gateway.lanes().all().stream().map(l -> l.id()).collect(Collectors.toSet()));
  }

  @Test
  void remoteLane_oneTraceFromGatewayToNodeToBatch() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"text\",\"shape\":[2],\"datatype\":\"BYTES\","
        + "\"data\":[\"across regions\",\"one trace\"]}]}", "intl", "00-" + traceId + "-00f067aa0ba902b7-01");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject p = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("parameters");
    assertEquals("intl-general", p.get("lane").getAsString());
    assertEquals("intl", p.get("region").getAsString());
    assertEquals("intl-cpu0", p.get("device").getAsString(), "the node's device, read from its answer");
    assertEquals("4,4", p.get("token_counts").getAsString(),
        "the node's token counts cross the hop ([CLS] across regions [SEP], [CLS] one trace [SEP])");
    assertEquals(384 * 2, JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("outputs").get(0)
        .getAsJsonObject().getAsJsonArray("data").size());

    List<SpanData> nodeServer = await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER
        && "laneway-node-test".equals(s.getResource().getAttribute(SERVICE)), 1);
    assertEquals(1, nodeServer.size(), "the node's server span joins the gateway's trace");
    List<SpanData> gatewaySpans = await(s -> s.getTraceId().equals(traceId)
        && "laneway-gateway-test".equals(s.getResource().getAttribute(SERVICE)) && s.getKind() == SpanKind.SERVER, 1);
    assertFalse(gatewaySpans.isEmpty(), "the gateway's server span");
    Set<String> gatewayIds = spans.getFinishedSpanItems().stream()
        .filter(s -> "laneway-gateway-test".equals(s.getResource().getAttribute(SERVICE)))
        .map(SpanData::getSpanId).collect(Collectors.toSet());
    assertTrue(gatewayIds.contains(nodeServer.get(0).getParentSpanId()),
        "the node's span is a child of a gateway span (traceparent in the call's metadata)");
    SpanData client = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getSpanId().equals(nodeServer.get(0).getParentSpanId())).findFirst().orElseThrow();
    assertEquals(SpanKind.CLIENT, client.getKind(), "the remote lane's client span: " + client.getName());
    assertEquals(traceId, client.getTraceId());
    List<SpanData> batches = await(s -> s.getName().equals("batch") && s.getLinks().stream()
        .anyMatch(l -> l.getSpanContext().getTraceId().equals(traceId)), 1);
    assertFalse(batches.isEmpty(), "the node's batch span links to the request in the same trace");
    assertEquals(traceId, batches.get(0).getTraceId(), "a batch that served one request is inside its trace");
    assertEquals("laneway-node-test", batches.get(0).getResource().getAttribute(SERVICE));
  }

  @Test
  void clientDeadline_expiresAtTheNode() throws Exception {
    // 50 ms of deadline, 100 ms of node delay: the node gives up at the deadline and says so
    HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\","
        + "\"data\":[\"too late\"]}],\"parameters\":{\"timeout\":50000}}", "intl", null);
    assertEquals(504, r.statusCode(), r.body());
    assertTrue(r.body().contains("DEADLINE_EXCEEDED") && r.body().contains("injected device latency"),
        "the node's own deadline error, not the gateway's guard: " + r.body());
    assertFalse(r.body().contains("did not answer within the deadline"), r.body());
  }

  @Test
  void deadNode_isEjectedByProbes_andTrafficFallsBack() throws Exception {
    // hk-general points at a closed port: its probes open its breaker; hk clients are served by intl, degraded
    Await.until(() -> "open".equals(breaker("hk-general")), Duration.ofSeconds(15), "hk-general ejected by its probes");
    HttpResponse<String> r = post("{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\","
        + "\"data\":[\"from hk\"]}]}", "hk", null);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject p = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("parameters");
    assertEquals("intl-general", p.get("lane").getAsString());
    assertTrue(p.get("degraded").getAsBoolean());
  }

  String breaker(String lane) {
    return gateway.lanes().get(lane).health().breakerState();
  }

  HttpResponse<String> post(String body, String region, String traceparent) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + INFER))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .header(Calls.REGION_HEADER, region).timeout(Duration.ofSeconds(30));
    if (traceparent != null) b.header("traceparent", traceparent);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The finished spans that match, once there are at least {@code count} (at most 10 s). */
  List<SpanData> await(Predicate<SpanData> match, int count) {
    Await.until(() -> spans.getFinishedSpanItems().stream().filter(match).count() >= count, Duration.ofSeconds(10),
        count + " matching spans (finished: " + spans.getFinishedSpanItems().size() + ")");
    return spans.getFinishedSpanItems().stream().filter(match).toList();
  }
}
