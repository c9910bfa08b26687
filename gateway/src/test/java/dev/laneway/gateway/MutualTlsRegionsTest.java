package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between a gateway and the intl node, in this JVM: the node serves TLS and requires a client certificate
 * from the regions' CA naming the hk gateway; the gateway's remote lane pins that CA and the node's SPIFFE-style
 * identity and presents its own certificate. The right setup serves from the node; a wrong expected identity, an
 * unknown CA, a gateway certificate that expired and one the node does not allow each make the intl lane fail, with
 * the reason logged, while every request is answered from the local hk lane (no loss).
 */
class MutualTlsRegionsTest {
  static final String NODE_ID = "spiffe://laneway/node/intl";
  static final String GATEWAY_ID = "spiffe://laneway/gateway/hk";
  @TempDir static Path dir;
  static TestCerts.Ca ca;
  static Path caFile;
  static TestCerts.Pair gatewayCert;
  static Gateway node;
  static final List<String> logged = new CopyOnWriteArrayList<>();
  static final Handler CAPTURE = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  static final Logger REMOTE = Logger.getLogger("dev.laneway.lanes.remote"); // RemoteLane's, NodeTls'

  static String topology(int nodePort, String identity, Path ca, TestCerts.Pair client) {
    return """
        local_region: hk
        regions: [{id: hk, cidrs: [127.0.0.0/8]}, {id: intl, cidrs: []}]
        links: [{from: hk, to: intl, rtt: 40ms}]
        devices:
          - {id: hk-cpu0, region: hk, kind: cpu, providers: [cpu]}
          - {id: intl-cpu0, region: intl, kind: cpu, providers: [cpu]}
        lanes:
          - id: hk-general
            region: hk
            class: general
            devices: [hk-cpu0]
            batching: {max_batch_size: 8, max_queue_delay: 1ms, max_queue_size: 1024}
          - id: intl-general
            region: intl
            class: general
            devices: [intl-cpu0]
            remote: {address: "127.0.0.1:%d", tls: true, ca: ["%s"], identity: "%s", client_cert: "%s", client_key: "%s"}
            breaker: {window: 4, minimum_calls: 2, wait_in_open: 30s, half_open_calls: 2}
            batching: {max_batch_size: 8, max_queue_delay: 1ms, max_queue_size: 1024}
        models:
          - name: all-minilm-l6-v2
            space: all-minilm-l6-v2
            dimension: 384
            max_sequence_length: 256
            variants:
              - {name: int8, onnx: "classpath:all-minilm-l6-v2-q.onnx", tokenizer: "classpath:all-minilm-l6-v2-q-tokenizer.json", quantized: true}
        """.formatted(nodePort, ca, identity, client.cert(), client.key());
  }

  static Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @BeforeAll
  static void startNode() throws Exception {
    REMOTE.addHandler(CAPTURE);
    ca = TestCerts.ca("laneway regions CA");
    caFile = ca.write(dir, "ca");
    TestCerts.Pair nodeCert = ca.leaf("intl-node", List.of(NODE_ID, "127.0.0.1"), dir, "node");
    gatewayCert = ca.leaf("hk-gateway", List.of(GATEWAY_ID), dir, "gateway");
    Path nodeTopology = write("node-topology.yaml", topology(1, NODE_ID, caFile, gatewayCert));
    node = Gateway.start(GatewayOptions.ephemeral().with("topology", nodeTopology.toString()).with("region", "intl")
        .with("cache-max-bytes", "0").with("watch", "false").with("tls-cert", nodeCert.cert().toString())
        .with("tls-key", nodeCert.key().toString()).with("tls-client-ca", caFile.toString())
        .with("tls-client-identities", GATEWAY_ID));
  }

  @AfterAll
  static void stopNode() {
    REMOTE.removeHandler(CAPTURE);
    if (node != null) node.close();
  }

  /** A gateway whose intl lane expects {@code identity}, trusts {@code ca} and presents {@code client}. */
  static Gateway gateway(String name, String identity, Path ca, TestCerts.Pair client) throws Exception {
    Path t = write(name + "-topology.yaml", topology(node.grpcPort(), identity, ca, client));
    Path p = write(name + "-policy.yaml", "spillover: {enabled: false}\nrules: [{name: intl-first, lanes: [{lane: intl-general}, {lane: hk-general}]}]\n");
    return Gateway.start(GatewayOptions.ephemeral().with("topology", t.toString()).with("policy", p.toString())
        .with("remote-probe-interval", "0s").with("cache-max-bytes", "0").with("watch", "false"));
  }

  /** Sends {@code n} requests; every one must be answered 200; returns the lanes that served them. */
  static List<String> servedBy(Gateway g, int n) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    List<String> lanes = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort()
          + "/v2/models/all-minilm-l6-v2/infer")).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(
          List.of("mutual TLS " + i)))).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      lanes.add(new JsonObject(r.body()).getJsonObject("parameters").getString("lane"));
    }
    return lanes;
  }

  static void failsOverWith(String name, String identity, Path ca, TestCerts.Pair client, String reason)
      throws Exception {
    logged.clear();
    try (Gateway g = gateway(name, identity, ca, client)) {
      List<String> lanes = servedBy(g, 4);
      assertEquals(List.of("hk-general", "hk-general", "hk-general", "hk-general"), lanes, "no loss: served locally");
      assertTrue(logged.stream().anyMatch(l -> (l.contains("lane intl-general: TLS with node")
          || l.contains("client certificate")) && l.contains(reason)),
          "the reason (" + reason + ") logged: " + logged);
    }
  }

  @Test
  void theRightIdentities_serveFromTheNode_andTheNewConnectionIsTimed() throws Exception {
    logged.clear();
    try (Gateway g = gateway("right", NODE_ID, caFile, gatewayCert)) {
      assertEquals(List.of("intl-general", "intl-general"), servedBy(g, 2));
      String node = "127.0.0.1:" + MutualTlsRegionsTest.node.grpcPort();
      List<String> connects = logged.stream().filter(l -> l.startsWith("remote: connected to node " + node)).toList();
      assertEquals(1, connects.size(), "one new connection, one line: " + logged);
      assertTrue(connects.get(0).matches(
          ".* in \\d+\\.\\d ms over TLSv1\\.3 \\(TCP \\+ TLS handshake \\+ HTTP/2 preface\\)"), connects.get(0));
      HttpResponse<String> m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + g.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      String count = m.body().lines().filter(l -> l.startsWith("laneway_remote_connect_seconds_count{")
          && l.contains("node=\"" + node + "\"") && l.contains("tls=\"true\"")).findFirst()
          .orElseThrow(() -> new AssertionError(m.body()));
      assertEquals(1.0, Double.parseDouble(count.substring(count.lastIndexOf(' ') + 1)), count);
    }
  }

  @Test
  void aWrongNodeIdentity_failsOverLocally_andSaysWhy() throws Exception {
    failsOverWith("wrong-san", "spiffe://laneway/node/elsewhere", caFile, gatewayCert, "wrong identity");
  }

  @Test
  void anUnknownCa_failsOverLocally_andSaysWhy() throws Exception {
    Path otherCa = TestCerts.ca("some other CA").write(dir, "other-ca");
    failsOverWith("unknown-ca", NODE_ID, otherCa, gatewayCert, "unknown CA");
  }

  @Test
  void anExpiredGatewayCertificate_isRefusedByTheNode_andSaysWhy() throws Exception {
    TestCerts.Pair expired = ca.expired("hk-gateway", List.of(GATEWAY_ID), dir, "gateway-expired");
    failsOverWith("expired", NODE_ID, caFile, expired, "expired");
  }

  @Test
  void aGatewayIdentityTheNodeDoesNotAllow_isRefused() throws Exception {
    TestCerts.Pair stranger = ca.leaf("other-gateway", List.of("spiffe://laneway/gateway/other"), dir, "stranger");
    logged.clear();
    try (Gateway g = gateway("stranger", NODE_ID, caFile, stranger)) {
      assertEquals(List.of("hk-general", "hk-general"), servedBy(g, 2), "no loss: served locally");
    }
  }

  @Test
  void bothTheOldAndTheNewCa_areTrustedDuringARotation() throws Exception {
    Path both = write("both-cas.crt", Files.readString(TestCerts.ca("the next CA").write(dir, "next-ca"))
        + Files.readString(caFile));
    try (Gateway g = gateway("rotating", NODE_ID, both, gatewayCert)) {
      assertEquals(List.of("intl-general", "intl-general"), servedBy(g, 2));
    }
  }
}
