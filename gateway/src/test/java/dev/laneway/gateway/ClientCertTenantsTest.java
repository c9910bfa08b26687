package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.laneway.protocol.Tensors;
import dev.laneway.routing.ApiKeys;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates as a tenant's identity, over real HTTPS and gRPC-over-TLS clients: a gateway asks for client
 * certificates from the test CA ({@code --tls-client-auth request}) and its policy, which requires a key, names the
 * tenants' certificates by URI SAN, DNS SAN and subject. A named certificate stands for a key at every door (REST JSON
 * and binary, gRPC, OpenAI); a key and a certificate of different tenants are refused (401 / UNAUTHENTICATED); a
 * certificate that names no tenant, or none at all, is as no key; a certificate from another CA fails the handshake.
 */
class ClientCertTenantsTest {
  static final String MODEL = "all-minilm-l6-v2";
  static final String REPORTS_KEY = "lw_reports-key-for-the-test";
  @TempDir static Path dir;
  static TestCerts.Ca ca;
  static Path caFile;
  static TestCerts.Pair billing;
  static TestCerts.Pair billingByDns;
  static TestCerts.Pair reports;
  static TestCerts.Pair nobody;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCerts.ca("laneway services CA");
    caFile = ca.write(dir, "ca");
    TestCerts.Pair server = ca.leaf("localhost", List.of("localhost", "127.0.0.1"), dir, "server");
    billing = ca.leaf("billing-1", List.of("spiffe://acme/billing"), dir, "billing");
    billingByDns = ca.leaf("billing-2", List.of("billing.acme.example"), dir, "billing-dns");
    reports = ca.leaf("O=Acme,CN=reports", List.of(), dir, "reports"); // openssl -subj /O=Acme/CN=reports
    nobody = ca.leaf("nobody", List.of("spiffe://acme/nobody"), dir, "nobody");
    Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        require_api_key: true
        tenants:
          - id: billing
            client_certificates: ["spiffe://acme/billing", "dns:billing.acme.example"]
          - id: reports
            api_keys: [%s]
            client_certificates: ["cn=reports, o=acme"]   # the subject as RFC 2253 writes it
        rules: [{name: all, lanes: [{lane: hk-cpu}]}]
        """.formatted(ApiKeys.sha256(REPORTS_KEY)));
    Path topology = Path.of(ClientCertTenantsTest.class.getResource("/one-lane-topology.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()).with("watch", "false").with("tls-cert", server.cert().toString())
        .with("tls-key", server.key().toString()).with("tls-client-ca", caFile.toString())
        .with("tls-client-auth", "request"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpClient https(TestCerts.Pair client) {
    return HttpClient.newBuilder().sslContext(ca.trustingContext(client)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<String> infer(TestCerts.Pair client, String key, HttpClient.Version version) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.httpPort()
        + "/v2/models/" + MODEL + "/infer")).version(version)
        .POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of("who am I")))).timeout(Duration.ofSeconds(60));
    if (key != null) b.header("x-api-key", key);
    return https(client).send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String tenant(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonObject("parameters").getString("tenant");
  }

  static ManagedChannel grpc(TestCerts.Pair client) throws Exception {
    var creds = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile());
    if (client != null) creds.keyManager(client.cert().toFile(), client.key().toFile());
    return Grpc.newChannelBuilderForAddress("localhost", gateway.grpcPort(), creds.build()).build();
  }

  static String grpcTenant(TestCerts.Pair client, Map<String, String> headers) throws Exception {
    ManagedChannel channel = grpc(client);
    try {
      return Doors.grpc(channel, MODEL, List.of("who am I over gRPC"), false, headers).parameters().get("tenant");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void rest_aCertificateNamedInThePolicy_isItsTenant_byUriSanDnsSanOrSubject() throws Exception {
    assertEquals("billing", tenant(infer(billing, null, HttpClient.Version.HTTP_2)));
    assertEquals("billing", tenant(infer(billing, null, HttpClient.Version.HTTP_1_1)));
    assertEquals("billing", tenant(infer(billingByDns, null, HttpClient.Version.HTTP_2)));
    assertEquals("reports", tenant(infer(reports, null, HttpClient.Version.HTTP_2)));
    assertEquals("reports", tenant(infer(reports, REPORTS_KEY, HttpClient.Version.HTTP_2)), "key and certificate agree");
  }

  @Test
  void binaryDoor_takesTheCertificatesTenant() throws Exception {
    List<String> texts = List.of("binary and named");
    byte[] tensor = Tensors.encodeBytes(texts);
    HttpResponse<byte[]> r = https(billing).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + gateway.httpPort() + "/v2/models/" + MODEL + "/infer")).POST(HttpRequest.BodyPublishers.ofByteArray(
            Doors.binaryRequest(texts, tensor))).header("content-type", "application/octet-stream")
        .header("Inference-Header-Content-Length", Integer.toString(Doors.headerLength(texts, tensor)))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    int json = Integer.parseInt(r.headers().firstValue("inference-header-content-length").orElseThrow());
    assertEquals("billing", new JsonObject(new String(r.body(), 0, json, StandardCharsets.UTF_8))
        .getJsonObject("parameters").getString("tenant"));
  }

  @Test
  void grpc_overTls_aCertificateIsItsTenant_andAKeyOfAnotherIsUnauthenticated() throws Exception {
    assertEquals("billing", grpcTenant(billing, Map.of()));
    assertEquals("reports", grpcTenant(reports, Map.of()));
    assertEquals("reports", grpcTenant(nobody, Map.of("x-api-key", REPORTS_KEY)), "a certificate of no tenant: the key");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> grpcTenant(billing, Map.of("x-api-key", REPORTS_KEY)));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("the API key and the client certificate name different "
        + "tenants"), e.getStatus().getDescription());
  }

  @Test
  void rest_aKeyAndACertificateOfDifferentTenants_are401() throws Exception {
    HttpResponse<String> r = infer(billing, REPORTS_KEY, HttpClient.Version.HTTP_2);
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("the API key and the client certificate name different tenants (the certificate "
        + "is tenant 'billing')"), r.body());
  }

  @Test
  void aCertificateOfNoTenant_orNone_isAsNoKey() throws Exception {
    HttpResponse<String> unnamed = infer(nobody, null, HttpClient.Version.HTTP_2);
    assertEquals(401, unnamed.statusCode(), "the policy requires a key: " + unnamed.body());
    assertTrue(unnamed.body().contains("missing x-api-key"), unnamed.body());
    assertEquals("reports", tenant(infer(nobody, REPORTS_KEY, HttpClient.Version.HTTP_2)));
    assertEquals("reports", tenant(infer(null, REPORTS_KEY, HttpClient.Version.HTTP_2)), "request: none is served");
    assertEquals(401, infer(null, null, HttpClient.Version.HTTP_2).statusCode());
  }

  @Test
  void aCertificateFromAnotherCa_namesNobody() throws Exception {
    TestCerts.Ca other = TestCerts.ca("not the services CA");
    TestCerts.Pair stranger = other.leaf("billing-3", List.of("spiffe://acme/billing"), dir, "stranger");
    // the JDK client offers only a certificate from a CA the server names, so it sends none: no key, no tenant
    // (a client that sent it anyway would fail the handshake, as the node test's gateways from another CA do)
    HttpResponse<String> r = infer(stranger, null, HttpClient.Version.HTTP_2);
    assertEquals(401, r.statusCode(), r.body());
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", gateway.grpcPort(),
        TlsChannelCredentials.newBuilder().trustManager(caFile.toFile())
            .keyManager(stranger.cert().toFile(), stranger.key().toFile()).build()).build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> Doors.grpc(channel, MODEL, List.of("stranger"), false, Map.of()));
      assertTrue(e.getStatus().getCode() == Status.Code.UNAVAILABLE
          || e.getStatus().getCode() == Status.Code.UNAUTHENTICATED, e.getStatus().toString());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void openAiDoor_withLangChain4j_takesTheCertificatesTenant_forItsPlaceholderKey() {
    OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder()
        .baseUrl("https://localhost:" + gateway.httpPort() + "/v1").apiKey("placeholder").modelName(MODEL)
        .maxRetries(0).httpClientBuilder(JdkHttpClient.builder().httpClientBuilder(
            HttpClient.newBuilder().sslContext(ca.trustingContext(billing))))
        .build();
    Response<List<Embedding>> r = client.embedAll(List.of(TextSegment.from("named by a certificate")));
    assertEquals(384, r.content().get(0).vector().length, "the policy requires a key: the certificate stood for it");
  }
}
