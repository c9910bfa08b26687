package dev.laneway.gateway;

import dev.laneway.gateway.telemetry.Tracing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cross-cutting shape of a trace, with the span names the executor (issue-3), routing/dispatch (issue-4) and
 * doors (issue-5) record through opentelemetry-api:
 *
 * <pre>
 * server span (HTTP or gRPC, joins traceparent)
 *  ├─ route                 routing.rule, routing.candidates, …
 *  └─ lane.attempt (×n)     lane, device, outcome, …; a failed one has the exception recorded
 *       ⇄ batch             a span of its own per batch execution: links to every request span it served,
 *                           each of those links back (a request split over batches links to each)
 * </pre>
 *
 * <p>Which span of a request holds the link to its batches is left to the executor: the test only asks that the
 * linked span belongs to the request's trace and links back. Span names and attributes are strings, so this compiles
 * on any branch; the gRPC call is raw grpc-java (a hand-encoded {@code ModelInferRequest}), so it needs no generated
 * stubs.
 */
class TraceTreeTest {
  private static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  private static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("batch.size");
  private static final AttributeKey<Double> PADDING = AttributeKey.doubleKey("batch.padding_efficiency");
  private static final AttributeKey<String> LANE = AttributeKey.stringKey("lane");
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

  private static TracedGateway batching;
  private static int grpcPort;

  @BeforeAll
  static void start() throws IOException {
    grpcPort = freePort();
    batching = TracedGateway.start(TracedGateway.onTopology("/trace-batch-topology.yaml")
        .with("grpc-port", Integer.toString(grpcPort)));
  }

  @AfterAll
  static void stop() {
    if (batching != null) batching.close();
  }

  @Test
  void eightConcurrentRequests_formTrees_andTheirBatchesLinkBothWays() throws Exception {
    batching.spans.reset();
    List<String> traceIds = new ArrayList<>();
    List<String> parentIds = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String traceId = randomHex(16);
      String parentId = randomHex(8);
      traceIds.add(traceId);
      parentIds.add(parentId);
      HttpRequest r = HttpRequest.newBuilder(batching.uri(INFER))
          .POST(HttpRequest.BodyPublishers.ofString(OipRestTest.infer("concurrent request number " + i)))
          .header("traceparent", "00-" + traceId + "-" + parentId + "-01").timeout(Duration.ofSeconds(30)).build();
      sent.add(batching.http.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = sent.get(i).get(30, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(traceIds.get(i), r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElse(""));
    }
    List<SpanData> batches = awaitBatchesLinking(Set.copyOf(traceIds), 8);
    int linkedRequests = 0;
    for (int i = 0; i < 8; i++) {
      List<SpanData> trace = trace(batching, traceIds.get(i));
      SpanData server = only(trace, s -> s.getKind() == SpanKind.SERVER, "server span");
      assertEquals(parentIds.get(i), server.getParentSpanId(), "the server span joins the caller's traceparent");
      SpanData route = only(trace, s -> s.getName().equals("route"), "route span");
      assertEquals(server.getSpanId(), route.getParentSpanId(), "route is a child of the server span");
      assertNotNull(route.getAttributes().get(AttributeKey.stringKey("routing.rule")));
      SpanData attempt = only(trace, s -> s.getName().equals("lane.attempt"), "one lane attempt");
      assertTrue(descendsFrom(trace, attempt, server), "lane.attempt is under the server span");
      assertEquals("hk-wide", attempt.getAttributes().get(LANE));
      assertEquals("ok", attempt.getAttributes().get(OUTCOME));
      linkedRequests += checkBatchLinks(trace, batches).size() > 0 ? 1 : 0;
    }
    assertEquals(8, linkedRequests, "every request is linked from a batch");
    long texts = 0;
    for (SpanData b : batches) {
      long ours = b.getLinks().stream().filter(l -> traceIds.contains(l.getSpanContext().getTraceId())).count();
      Long size = b.getAttributes().get(BATCH_SIZE);
      assertNotNull(size, "batch.size on " + b);
      assertTrue(size >= ours, "batch.size " + size + " >= its links to our requests " + ours);
      Double padding = b.getAttributes().get(PADDING);
      assertTrue(padding != null && padding > 0 && padding <= 1, "batch.padding_efficiency in (0, 1]: " + padding);
      assertEquals("hk-wide", b.getAttributes().get(LANE));
      assertNotNull(b.getAttributes().get(AttributeKey.booleanKey("stand_in")));
      texts += ours;
    }
    assertEquals(8, texts, "the batches served exactly our 8 texts, one link each");
  }

  @Test
  void aRequestSplitOverTwoBatches_linksToBoth() {
    batching.spans.reset();
    String[] texts = new String[12];
    for (int i = 0; i < texts.length; i++) texts[i] = "text " + i + " of a request larger than one batch";
    HttpResponse<String> r = batching.post(INFER, OipRestTest.infer(texts), Map.of());
    assertEquals(200, r.statusCode(), r.body());
    String traceId = r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElseThrow();
    // a batch links once to each request it served (not once per text): at least two batches, so at least two links
    List<SpanData> batches = awaitBatchesLinking(Set.of(traceId), 2);
    Set<String> linked = checkBatchLinks(trace(batching, traceId), batches);
    assertTrue(linked.size() >= 2, "12 texts with max_batch_size 8 ran in at least two batches, each linked: " + linked);
  }

  @Test
  void grpcMetadataTraceparent_isHonoured() throws Exception {
    batching.spans.reset();
    String traceId = randomHex(16);
    String parentId = randomHex(8);
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + traceId + "-" + parentId + "-01");
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      byte[] response = ClientCalls.blockingUnaryCall(
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers),
              MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers)),
          MODEL_INFER, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
          modelInferRequest("all-minilm-l6-v2", "over gRPC with a traceparent"));
      assertTrue(response.length > 384 * 4, "a 384-d embedding came back");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    String returned = responseHeaders.get().get(Metadata.Key.of(Tracing.TRACE_ID_HEADER, Metadata.ASCII_STRING_MARSHALLER));
    assertEquals(traceId, returned, "the trace id comes back in the response metadata");
    List<SpanData> server = batching.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER, 1);
    assertEquals(1, server.size(), "one gRPC server span in the caller's trace");
    assertEquals(parentId, server.getFirst().getParentSpanId());
    assertTrue(server.getFirst().getParentSpanContext().isRemote());
  }

  @Test
  void aFallback_showsTwoLaneAttempts_theFirstWithItsFailure() {
    try (TracedGateway g = TracedGateway.start(TracedGateway.onTopology("/trace-fallback-topology.yaml")
        .with("policy", resource("/trace-fallback-policy.yaml")))) {
      HttpResponse<String> r = g.post(INFER, OipRestTest.infer("two texts do not fit", "in hk-small's queue of one"),
          Map.of());
      assertEquals(200, r.statusCode(), r.body());
      JsonObject params = new JsonObject(r.body()).getJsonObject("parameters");
      assertEquals("hk-large", params.getString("lane"));
      assertEquals(2, params.getInteger("attempts"));
      String traceId = r.headers().firstValue(Tracing.TRACE_ID_HEADER).orElseThrow();
      List<SpanData> attempts = new ArrayList<>(
          g.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getName().equals("lane.attempt"), 2));
      assertEquals(2, attempts.size(), "two lane attempts: " + attempts);
      attempts.sort(Comparator.comparingLong(SpanData::getStartEpochNanos));
      SpanData first = attempts.get(0);
      SpanData second = attempts.get(1);
      assertEquals("hk-small", first.getAttributes().get(LANE));
      assertFalse("ok".equals(first.getAttributes().get(OUTCOME)), "the first attempt did not succeed");
      assertEquals(StatusCode.ERROR, first.getStatus().getStatusCode());
      assertTrue(first.getEvents().stream().anyMatch(e -> e.getName().equals("exception")),
          "the first attempt's failure is recorded as an exception event: " + first.getEvents());
      assertEquals("hk-large", second.getAttributes().get(LANE));
      assertEquals("ok", second.getAttributes().get(OUTCOME));
      SpanData server = only(trace(g, traceId), s -> s.getKind() == SpanKind.SERVER, "server span");
      assertTrue(descendsFrom(trace(g, traceId), first, server) && descendsFrom(trace(g, traceId), second, server));
    }
  }

  // ---- links ----

  /**
   * For one request's trace: every batch span that links into it links to a span of this trace, and that span links
   * back to the batch. Returns the ids of the batch spans linked.
   */
  private static Set<String> checkBatchLinks(List<SpanData> trace, List<SpanData> batches) {
    Map<String, SpanData> byId = new HashMap<>();
    for (SpanData s : trace) byId.put(s.getSpanId(), s);
    String traceId = trace.getFirst().getTraceId();
    Set<String> linked = new HashSet<>();
    for (SpanData b : batches) {
      for (LinkData l : b.getLinks()) {
        SpanContext to = l.getSpanContext();
        if (!to.getTraceId().equals(traceId)) continue;
        SpanData request = byId.get(to.getSpanId());
        assertNotNull(request, "batch " + b.getSpanId() + " links to a span of trace " + traceId + " that exists");
        assertTrue(request.getLinks().stream().anyMatch(back -> back.getSpanContext().getSpanId().equals(b.getSpanId())
                && back.getSpanContext().getTraceId().equals(b.getTraceId())),
            "span " + request.getName() + " links back to batch " + b.getSpanId());
        linked.add(b.getSpanId());
      }
    }
    // and the other way: every batch a request span links to exists and links to it
    for (SpanData s : trace) {
      for (LinkData l : s.getLinks()) {
        boolean isBatch = batches.stream().anyMatch(b -> b.getSpanId().equals(l.getSpanContext().getSpanId()));
        if (isBatch) assertTrue(linked.contains(l.getSpanContext().getSpanId()), "batch link is mutual: " + l);
      }
    }
    return linked;
  }

  /** Waits until the batch spans linking into these traces carry at least {@code links} links in all. */
  private static List<SpanData> awaitBatchesLinking(Set<String> traceIds, int links) {
    List<SpanData> batches = batching.awaitSpans(s -> s.getName().equals("batch") && s.getLinks().stream()
        .anyMatch(l -> traceIds.contains(l.getSpanContext().getTraceId())), 1);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (linkCount(batches, traceIds) < links && System.nanoTime() < end) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      batches = batching.spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("batch")
          && s.getLinks().stream().anyMatch(l -> traceIds.contains(l.getSpanContext().getTraceId()))).toList();
    }
    long count = linkCount(batches, traceIds);
    assertTrue(count >= links, "batch links into the requests' traces: " + count + " (expected >= " + links + ")");
    return batches;
  }

  private static long linkCount(List<SpanData> batches, Set<String> traceIds) {
    return batches.stream().flatMap(b -> b.getLinks().stream())
        .filter(l -> traceIds.contains(l.getSpanContext().getTraceId())).count();
  }

  // ---- trees ----

  private static List<SpanData> trace(TracedGateway g, String traceId) {
    g.awaitSpans(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER, 1);
    return g.spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  private static SpanData only(List<SpanData> trace, java.util.function.Predicate<SpanData> p, String what) {
    List<SpanData> found = trace.stream().filter(p).toList();
    assertEquals(1, found.size(), what + " in " + trace);
    return found.getFirst();
  }

  private static boolean descendsFrom(List<SpanData> trace, SpanData span, SpanData ancestor) {
    Map<String, SpanData> byId = new HashMap<>();
    for (SpanData s : trace) byId.put(s.getSpanId(), s);
    SpanData s = span;
    for (int depth = 0; s != null && depth < 32; depth++) {
      if (s.getParentSpanId().equals(ancestor.getSpanId())) return true;
      s = byId.get(s.getParentSpanId());
    }
    return false;
  }

  // ---- raw gRPC: the OIP ModelInfer call without generated stubs ----

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static final MethodDescriptor<byte[], byte[]> MODEL_INFER = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("inference.GRPCInferenceService/ModelInfer")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  /** {@code ModelInferRequest{model_name, id, inputs: [{name: text, datatype: BYTES, shape: [1], contents.bytes_contents}]}}. */
  static byte[] modelInferRequest(String model, String text) throws IOException {
    byte[] contents = message(out -> out.writeBytes(8, com.google.protobuf.ByteString.copyFromUtf8(text)));
    byte[] input = message(out -> {
      out.writeString(1, "text");
      out.writeString(2, "BYTES");
      out.writeInt64(3, 1);
      out.writeByteArray(5, contents);
    });
    return message(out -> {
      out.writeString(1, model);
      out.writeString(3, "grpc-1");
      out.writeByteArray(5, input);
    });
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    w.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1; // never all zeros
    return HexFormat.of().formatHex(b);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }


  static String resource(String name) {
    try {
      return java.nio.file.Path.of(TraceTreeTest.class.getResource(name).toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
