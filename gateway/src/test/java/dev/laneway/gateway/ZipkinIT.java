package dev.laneway.gateway;

import dev.laneway.gateway.telemetry.Tracing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request's trace reaches a real Zipkin server: Zipkin (the {@code io.zipkin:zipkin-server} exec jar, copied into
 * {@code target/zipkin} by the build) runs as a separate process on 127.0.0.1 with in-memory storage; a gateway is
 * started with the flags a user would pass ({@code --otel-traces-exporter zipkin --otel-exporter-zipkin-endpoint …}),
 * answers one request, and Zipkin's {@code GET /api/v2/trace/{traceId}} returns that trace with its spans.
 *
 * <p>Run by maven-failsafe-plugin in {@code verify} ({@code -DskipITs} skips it). The Zipkin process is destroyed
 * however the test ends.
 */
class ZipkinIT {
  private static final String SERVICE = "laneway-zipkin-it";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void aRequestsTrace_isInZipkin() throws Exception {
    Path jar = Path.of(System.getProperty("zipkin.jar", "target/zipkin/zipkin-server-exec.jar"));
    assertTrue(Files.isRegularFile(jar), "no Zipkin server jar at " + jar + " (the build copies it in pre-integration-test)");
    int port = freePort();
    Path log = jar.resolveSibling("zipkin-" + port + ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process zipkin = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
        "--armeria.ports[0].port=" + port, "--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].protocols[0]=http")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String base = "http://127.0.0.1:" + port;
      awaitHealthy(zipkin, base, log);
      GatewayOptions options = TracedGateway.oneLane().with("otel-traces-exporter", "zipkin")
          .with("otel-exporter-zipkin-endpoint", base + "/api/v2/spans").with("otel-service-name", SERVICE);
      String traceId;
      try (Gateway g = Gateway.start(options)) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + g.httpPort() + "/v2/models/all-minilm-l6-v2/infer"))
            .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("to Zipkin and back"))).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        traceId = r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElseThrow();
      } // closing the gateway flushes the batch span processor to Zipkin

      JsonArray trace = awaitTrace(base, traceId);
      List<String> names = new ArrayList<>();
      JsonObject server = null;
      for (int i = 0; i < trace.size(); i++) {
        JsonObject span = trace.getJsonObject(i);
        names.add(span.getString("name"));
        assertEquals(traceId, span.getString("traceId"));
        assertEquals(SERVICE, span.getJsonObject("localEndpoint").getString("serviceName"));
        if ("SERVER".equals(span.getString("kind"))) server = span;
      }
      assertTrue(server != null, "a server span in " + trace.encodePrettily());
      // Zipkin lower-cases span names
      assertEquals("post /v2/models/{model}/infer", server.getString("name"), names.toString());
      assertEquals("all-minilm-l6-v2", server.getJsonObject("tags").getString("laneway.model"));
      // every hop of the request's trace, down to the batch that served it alone
      for (String hop : List.of("route", "lane.attempt", "tokenize", "batch")) {
        assertTrue(names.contains(hop), "span '" + hop + "' in " + names);
      }
    } finally {
      zipkin.destroy();
      if (!zipkin.waitFor(10, TimeUnit.SECONDS)) zipkin.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void awaitHealthy(Process zipkin, String base, Path log) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < end) {
      if (!zipkin.isAlive()) fail("Zipkin exited with " + zipkin.exitValue() + ": " + tail(log));
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    fail("Zipkin not healthy after 90 s: " + tail(log));
  }

  /** Zipkin stores spans asynchronously: polls its API (up to 20 s) until the trace is there. */
  private JsonArray awaitTrace(String base, String traceId) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    HttpResponse<String> r;
    do {
      r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/trace/" + traceId)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonArray spans = new JsonArray(r.body());
        if (!spans.isEmpty()) return spans;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < end);
    fail("Zipkin has no trace " + traceId + ": " + r.statusCode() + " " + r.body());
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
