package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's certificate replaced on disk while a gateway sends it load over mutual TLS (the "replace server
 * and node certificates while a load runs"): the node's file watch rotates it without a restart, every request is
 * answered by the node (none fails, none falls back to the local lane), the gateway's open link keeps going, a new
 * connection to the node is served the new certificate, and a corrupt replacement is refused while the new one keeps
 * serving. The listeners' own rotation is {@link TlsRotationTest}; the link's set-up is {@link MutualTlsRegionsTest}'s.
 */
class NodeCertRotationTest {
  @TempDir Path dir;

  /** The serial of the certificate the node serves a new TLS connection (the test presents the gateway's). */
  static BigInteger servedByNode(TestCerts.Ca ca, TestCerts.Pair client, int port) throws Exception {
    try (SSLSocket s = (SSLSocket) ca.trustingContext(client).getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void nodeRotation_underLoad_noRequestFailsOrFallsBack_newConnectionsSeeTheNewCertificate() throws Exception {
    TestCerts.Ca ca = TestCerts.ca("rotation regions CA");
    Path caFile = ca.write(dir, "ca");
    List<String> nodeSans = List.of(MutualTlsRegionsTest.NODE_ID, "127.0.0.1");
    TestCerts.Pair first = ca.leaf("intl-node", nodeSans, dir, "node");
    TestCerts.Pair gatewayCert = ca.leaf("hk-gateway", List.of(MutualTlsRegionsTest.GATEWAY_ID), dir, "gateway");
    Path nodeTopology = Files.writeString(dir.resolve("node-topology.yaml"),
        MutualTlsRegionsTest.topology(1, MutualTlsRegionsTest.NODE_ID, caFile, gatewayCert));
    try (Gateway node = Gateway.start(GatewayOptions.ephemeral().with("topology", nodeTopology.toString())
        .with("region", "intl").with("cache-max-bytes", "0").with("watch", "true")
        .with("tls-cert", first.cert().toString()).with("tls-key", first.key().toString())
        .with("tls-client-ca", caFile.toString()).with("tls-client-identities", MutualTlsRegionsTest.GATEWAY_ID))) {
      Path topology = Files.writeString(dir.resolve("gateway-topology.yaml"), MutualTlsRegionsTest.topology(
          node.grpcPort(), MutualTlsRegionsTest.NODE_ID, caFile, gatewayCert));
      Path policy = Files.writeString(dir.resolve("policy.yaml"), "spillover: {enabled: false}\n"
          + "rules: [{name: intl-first, lanes: [{lane: intl-general}, {lane: hk-general}]}]\n");
      try (Gateway gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
          .with("policy", policy.toString()).with("remote-probe-interval", "0s").with("cache-max-bytes", "0")
          .with("watch", "false"))) {
        assertEquals(first.certificate().getSerialNumber(), servedByNode(ca, gatewayCert, node.grpcPort()));
        HttpClient http = HttpClient.newHttpClient();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger byNode = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Thread load = Thread.ofPlatform().start(() -> {
          for (int i = 0; running.get(); i++) {
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                  + gateway.httpPort() + "/v2/models/all-minilm-l6-v2/infer")).POST(HttpRequest.BodyPublishers
                  .ofString(Doors.oipJson(List.of("rotation " + i)))).timeout(Duration.ofSeconds(60)).build(),
                  HttpResponse.BodyHandlers.ofString());
              String lane = r.statusCode() == 200
                  ? new JsonObject(r.body()).getJsonObject("parameters").getString("lane") : null;
              if ("intl-general".equals(lane)) byNode.incrementAndGet();
              else wrong.add(r.statusCode() + " from " + lane + ": " + r.body());
            } catch (Exception e) {
              wrong.add(e.toString());
            }
          }
        });
        try {
          Await.until(() -> byNode.get() >= 5, Duration.ofSeconds(60), "the node serves the load before the rotation");
          Instant now = Instant.now();
          TestCerts.Pair second = ca.leaf("intl-node", nodeSans, now.minus(Duration.ofHours(1)),
              now.plus(Duration.ofDays(2)), dir, "second");
          TlsRotationTest.replace(first.key(), second.key());
          TlsRotationTest.replace(first.cert(), second.cert());
          BigInteger serial = second.certificate().getSerialNumber();
          Await.until(() -> node.tls().current().leaf().getSerialNumber().equals(serial), Duration.ofSeconds(20),
              "the node's watcher rotated to the second certificate");
          assertEquals(serial, servedByNode(ca, gatewayCert, node.grpcPort()), "a new connection sees it");
          int before = byNode.get();
          Await.until(() -> byNode.get() >= before + 5, Duration.ofSeconds(60), "the node serves on after it");
          Files.writeString(first.cert(), "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
          assertFalse(node.tls().reload("test: corrupt"), "a corrupt replacement is refused");
          assertEquals(serial, servedByNode(ca, gatewayCert, node.grpcPort()), "the second keeps serving");
          int after = byNode.get();
          Await.until(() -> byNode.get() >= after + 5, Duration.ofSeconds(60), "and the node keeps answering");
        } finally {
          running.set(false);
          load.join();
        }
        assertTrue(wrong.isEmpty(), "every request answered by the node, none failed or fell back: " + wrong);
      }
    }
  }
}
