package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every listener over TLS with real clients that trust only the test CA: REST over HTTP/2 and HTTP/1.1 (the JDK's
 * client), gRPC (grpc-java, ALPN h2), the OpenAI door (LangChain4j's client) and /metrics, whose expiry gauge names
 * the certificate. A client that does not trust the CA is refused at the handshake; a plaintext one gets nothing.
 */
class TlsGatewayTest {
  static final String MODEL = "all-minilm-l6-v2";
  @TempDir static Path dir;
  static TestCerts.Ca ca;
  static TestCerts.Pair server;
  static Gateway gateway;
  static HttpClient https;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCerts.ca("laneway test CA");
    server = ca.leaf("localhost", List.of("localhost", "127.0.0.1"), dir, "server");
    Path topology = Path.of(TlsGatewayTest.class.getResource("/one-lane-topology.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString()).with("watch", "false")
        .with("tls-cert", server.cert().toString()).with("tls-key", server.key().toString())
        .with("tls-required", "true"));
    https = HttpClient.newBuilder().sslContext(ca.trustingContext()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static URI uri(int port, String path) {
    return URI.create("https://127.0.0.1:" + port + path);
  }

  static HttpResponse<String> infer(HttpClient client, HttpClient.Version version) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(gateway.httpPort(), "/v2/models/" + MODEL + "/infer"))
        .version(version).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of("over TLS"))))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void rest_overHttps_http2AndHttp11() throws Exception {
    HttpResponse<String> h2 = infer(https, HttpClient.Version.HTTP_2);
    assertEquals(200, h2.statusCode(), h2.body());
    assertEquals(HttpClient.Version.HTTP_2, h2.version(), "ALPN negotiates h2");
    assertEquals(384, new JsonObject(h2.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("shape")
        .getInteger(1));
    String protocol = h2.sslSession().orElseThrow().getProtocol();
    assertEquals("TLSv1.3", protocol, "TLS 1.3 preferred");
    X509Certificate peer = (X509Certificate) h2.sslSession().orElseThrow().getPeerCertificates()[0];
    assertEquals(server.certificate().getSerialNumber(), peer.getSerialNumber());
    HttpResponse<String> h1 = infer(https, HttpClient.Version.HTTP_1_1);
    assertEquals(200, h1.statusCode(), h1.body());
    assertEquals(HttpClient.Version.HTTP_1_1, h1.version());
  }

  @Test
  void clientThatDoesNotTrustTheCa_isRefusedAtTheHandshake_andPlaintextGetsNoAnswer() {
    TestCerts.Ca other = TestCerts.ca("some other CA");
    HttpClient stranger = HttpClient.newBuilder().sslContext(other.trustingContext()).build();
    assertThrows(SSLHandshakeException.class, () -> infer(stranger, HttpClient.Version.HTTP_2));
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.httpPort() + "/v2/health/ready")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void grpc_overTls_withTheGrpcJavaStub() throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", gateway.grpcPort(),
        TlsChannelCredentials.newBuilder().trustManager(ca.write(dir, "ca").toFile()).build()).build();
    try {
      Doors.Result r = Doors.grpc(channel, MODEL, List.of("gRPC over TLS", "second"), true, Map.of());
      assertEquals(2, r.vectors().length);
      assertEquals(384, r.vectors()[0].length);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void openAiDoor_overHttps_withLangChain4j() {
    OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder()
        .baseUrl("https://localhost:" + gateway.httpPort() + "/v1").apiKey("not-checked").modelName(MODEL)
        .maxRetries(0).httpClientBuilder(JdkHttpClient.builder().httpClientBuilder(
            HttpClient.newBuilder().sslContext(ca.trustingContext())))
        .build();
    Response<List<Embedding>> r = client.embedAll(List.of(TextSegment.from("OpenAI door over HTTPS")));
    assertEquals(1, r.content().size());
    assertEquals(384, r.content().get(0).vector().length);
  }

  @Test
  void metrics_overHttps_giveTheCertificatesSecondsToExpiry() throws Exception {
    HttpResponse<String> m = https.send(HttpRequest.newBuilder(uri(gateway.metricsPort(), "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, m.statusCode());
    String line = m.body().lines().filter(l -> l.startsWith("laneway_tls_certificate_expiry_seconds{"))
        .findFirst().orElseThrow(() -> new AssertionError(m.body()));
    assertTrue(line.contains("certificate=\"server\""), line);
    double seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    assertTrue(seconds > 22 * 3600 && seconds <= 24 * 3600, line); // the leaf is valid for a day from now
  }

  @Test
  void tlsRequired_refusesPlaintextListenersAtStart() throws Exception {
    Path topology = Path.of(TlsGatewayTest.class.getResource("/one-lane-topology.yaml").toURI());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gateway.start(
        GatewayOptions.ephemeral().with("topology", topology.toString()).with("tls-required", "true")));
    assertTrue(e.getMessage().contains("--tls-required: plaintext refused: the listeners"), e.getMessage());
  }

  @Test
  void aBadCertificate_refusesToStart_withOneLine() throws Exception {
    Path topology = Path.of(TlsGatewayTest.class.getResource("/one-lane-topology.yaml").toURI());
    TestCerts.Pair expired = ca.expired("localhost", List.of("localhost"), dir, "expired");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gateway.start(
        GatewayOptions.ephemeral().with("topology", topology.toString()).with("tls-cert", expired.cert().toString())
            .with("tls-key", expired.key().toString())));
    assertTrue(e.getMessage().contains("certificate expired at"), e.getMessage());
    Path otherKey = ca.leaf("localhost", List.of("localhost"), dir, "other").key();
    e = assertThrows(IllegalArgumentException.class, () -> Gateway.start(
        GatewayOptions.ephemeral().with("topology", topology.toString()).with("tls-cert", server.cert().toString())
            .with("tls-key", otherKey.toString())));
    assertTrue(e.getMessage().contains("the key does not match the certificate"), e.getMessage());
    Files.writeString(dir.resolve("garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    e = assertThrows(IllegalArgumentException.class, () -> Gateway.start(
        GatewayOptions.ephemeral().with("topology", topology.toString())
            .with("tls-cert", dir.resolve("garbage.crt").toString()).with("tls-key", server.key().toString())));
    assertTrue(e.getMessage().contains("not a PEM certificate chain") || e.getMessage().contains("no certificate"),
        e.getMessage());
  }
}
