package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.laneway.oip.GRPCInferenceServiceGrpc;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants' limits on a real gateway (embedded default topology, real lanes, 127.0.0.1 port 0) through every door: the
 * same tenant's REST and gRPC calls draw on one limit; a refusal is a 429 with Retry-After and the IETF RateLimit
 * headers (gRPC: RESOURCE_EXHAUSTED with google.rpc.RetryInfo); the official OpenAI Java client sees its 429 and
 * OpenAI's x-ratelimit-* headers as it would against OpenAI; a budget charges the exact tokens the lane computed; a
 * shadow limit refuses nothing. Rates are tiny (one request per 100 s) so nothing refills during the test: no
 * clock is needed to make the assertions exact.
 */
class TenantLimitsGatewayTest {
  static final String MODEL = "all-minilm-l6-v2";
  static final String POLICY = """
      tenants:
        - id: metered
          api_keys: [sha256:eae70dbe29a0e742d7261b2df4d04a3c6ec58a8df2d0a1b7e9a1fb1b5ba44614]  # sha256 of key-metered
          limits:
            requests: {per_second: 0.01, burst: 2}
        - id: openai-user
          api_keys: [sha256:b5092d448b3f8f9551188d0ee4605d74aebebaf79c175146ba50531dce69c7d0]  # sha256 of key-openai
          limits:
            requests: {per_second: 0.01, burst: 1}
            tokens: {per_second: 0.01, burst: 1000}
        - id: budgeted
          api_keys: [sha256:3838b5e3056fafe1da87e2684fc16eefde5016779383d70f535a90c4e3a5b25d]  # sha256 of key-budget
          limits:
            budget: {tokens: 40, period: day}
        - id: trial
          api_keys: [sha256:efa928a8b832a86862991bd6259ec33c372293d7091105e1b00b235287e8f04a]  # sha256 of key-trial
          limits:
            requests: {per_second: 0.01, burst: 1, shadow: true}
        - id: free
          api_keys: [sha256:cdf2950a5edad453e6e2c0b6ca11e26839a861ac088ca7f937b655782129ee3d]  # sha256 of key-free
      rules:
        - name: any
          lanes: [{class: general}]
      """;
  @TempDir static Path dir;
  static Gateway gateway;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    gateway = Gateway.start(GatewayOptions.ephemeral().with("policy", policy.toString()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpResponse<String> rest(String key, List<String> texts) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri("/v2/models/" + MODEL + "/infer")).header("x-api-key", key)
        .POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(texts))).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(String path) {
    int port = path.startsWith("/v2/admin/") ? gateway.adminPort() : gateway.httpPort(); // the admin door apart
    return URI.create("http://127.0.0.1:" + port + path);
  }

  @Test
  void restAndGrpc_drawOnOneLimit_andARefusalSaysWhenToRetry() throws Exception {
    HttpResponse<String> first = rest("key-metered", List.of("one"));
    assertEquals(200, first.statusCode(), first.body());
    assertEquals("\"requests\";q=2;w=200", first.headers().firstValue("ratelimit-policy").orElseThrow());
    assertTrue(first.headers().firstValue("ratelimit").orElseThrow().startsWith("\"requests\";r=1;"),
        first.headers().map().toString());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "key-metered");
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
      ModelInferRequest req = ModelInferRequest.newBuilder().setModelName(MODEL).addInputs(
          ModelInferRequest.InferInputTensor.newBuilder().setName("text").setDatatype("BYTES").addShape(1)
              .setContents(InferTensorContents.newBuilder().addBytesContents(
                  com.google.protobuf.ByteString.copyFromUtf8("two")))).build();
      assertEquals(1, stub.modelInfer(req).getOutputs(0).getShape(0), "the second request, by gRPC, is admitted");
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(req));
      assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("request rate"), e.getStatus().getDescription());
      com.google.rpc.Status rich = StatusProto.fromThrowable(e);
      assertNotNull(rich, "google.rpc.Status in grpc-status-details-bin");
      RetryInfo retry = rich.getDetails(0).unpack(RetryInfo.class);
      assertTrue(retry.getRetryDelay().getSeconds() >= 90 && retry.getRetryDelay().getSeconds() <= 100,
          "one request per 100 s: retry in ~100 s, not " + retry);
    } finally {
      channel.shutdownNow();
    }
    HttpResponse<String> refused = rest("key-metered", List.of("three"));
    assertEquals(429, refused.statusCode(), refused.body());
    long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
    assertTrue(retryAfter >= 90 && retryAfter <= 100, "Retry-After " + retryAfter);
    assertTrue(refused.body().contains("tenant 'metered'"), refused.body());
    assertTrue(refused.headers().firstValue("ratelimit").orElseThrow().startsWith("\"requests\";r=0;"));
    assertEquals(200, rest("key-free", List.of("three")).statusCode(), "another tenant is not limited by it");
    HttpResponse<String> free = rest("key-free", List.of("x"));
    assertTrue(free.headers().firstValue("ratelimit-policy").isEmpty(), "no limits, no RateLimit headers");
    assertEquals("free", free.headers().firstValue("x-laneway-tenant").orElseThrow());
    assertEquals("metered", refused.headers().firstValue("x-laneway-tenant").orElseThrow());
  }

  @Test
  void theOpenAiJavaClient_seesIts429AndTheRateLimitHeaders() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + gateway.httpPort() + "/v1")
        .apiKey("key-openai").maxRetries(0).build();
    try {
      EmbeddingCreateParams params = EmbeddingCreateParams.builder().model(MODEL).input("hello there").build();
      var ok = client.embeddings().withRawResponse().create(params);
      assertEquals(200, ok.statusCode());
      assertEquals("1", ok.headers().values("x-ratelimit-limit-requests").get(0));
      assertEquals("0", ok.headers().values("x-ratelimit-remaining-requests").get(0));
      long tokens = ok.parse().usage().promptTokens();
      assertEquals(Long.toString(1000 - tokens), ok.headers().values("x-ratelimit-remaining-tokens").get(0),
          "the exact tokens of the request were charged");
      RateLimitException e = assertThrows(RateLimitException.class, () -> client.embeddings().create(params));
      assertEquals(429, e.statusCode());
      assertFalse(e.headers().values("retry-after").isEmpty(), e.headers().toString());
      assertEquals("0", e.headers().values("x-ratelimit-remaining-requests").get(0));
      assertTrue(e.getMessage().contains("rate_limit_exceeded") || e.getMessage().contains("request rate"),
          e.getMessage());
    } finally {
      client.close();
    }
  }

  @Test
  void aBudget_chargesTheExactTokensTheLaneComputed_andRefusesUntilTheNextPeriod() throws Exception {
    int spent = 0;
    String text = "a sentence of about a dozen tokens for the budget test";
    HttpResponse<String> r;
    while ((r = rest("key-budget", List.of(text))).statusCode() == 200) {
      JsonObject body = new JsonObject(r.body());
      spent += Integer.parseInt(body.getJsonObject("parameters").getString("token_counts"));
      assertTrue(spent <= 40, "never beyond the budget: " + spent);
    }
    assertEquals(429, r.statusCode(), r.body());
    assertTrue(spent > 0, "at least one request fitted");
    JsonObject state = new JsonObject(get("/v2/admin/tenants/budgeted").body());
    JsonObject budget = state.getJsonArray("limits").getJsonObject(0);
    assertEquals(40 - spent, budget.getLong("remaining"), "charged exactly what the answers counted: " + state);
    long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
    long toMidnight = Duration.between(java.time.Instant.now(),
        LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()).toSeconds();
    assertTrue(Math.abs(retryAfter - toMidnight) <= 5, "Retry-After " + retryAfter + " vs next UTC day " + toMidnight);
    HttpResponse<String> openAi = HTTP.send(HttpRequest.newBuilder(uri("/v1/embeddings")).header("x-api-key",
        "key-budget").header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
        new JsonObject().put("model", MODEL).put("input", text).encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(429, openAi.statusCode());
    assertEquals("insufficient_quota", new JsonObject(openAi.body()).getJsonObject("error").getString("code"));
  }

  @Test
  void aShadowLimit_countsAndReports_butRefusesNothing() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = rest("key-trial", List.of("shadow " + i));
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("ratelimit-policy").orElseThrow().contains("laneway-shadow"));
    }
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.metricsPort()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("laneway_tenant_refusals_total") && l.contains("shadow=\"true\"")
        && l.contains("tenant=\"trial\"") && (l.endsWith(" 2") || l.endsWith(" 2.0"))), "two shadow refusals: " + metrics);
  }

  @Test
  void explainAndTheAdminRead_showTheTenantsLimits() throws Exception {
    HttpResponse<String> e = HTTP.send(HttpRequest.newBuilder(uri("/v2/routing/explain")).header("x-api-key",
        "key-trial").POST(HttpRequest.BodyPublishers.ofString("{\"model_name\":\"" + MODEL + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, e.statusCode(), e.body());
    JsonObject limits = new JsonObject(e.body()).getJsonObject("tenant_limits");
    assertEquals("trial", limits.getString("id"));
    assertTrue(limits.getBoolean("limited"));
    JsonObject all = new JsonObject(get("/v2/admin/tenants").body());
    assertEquals(6, all.getJsonArray("tenants").size(), "five declared and the anonymous one: " + all);
    assertEquals(404, get("/v2/admin/tenants/nobody").statusCode());
  }
}
