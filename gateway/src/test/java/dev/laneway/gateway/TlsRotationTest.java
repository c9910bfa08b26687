package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listeners' certificate replaced on disk while requests run: the file watch rotates it without a restart, no
 * request fails (a connection opened before keeps going; new connections see the new certificate), the expiry gauge
 * follows; a corrupt or mismatched replacement is refused and the certificate before it keeps serving.
 */
class TlsRotationTest {
  @TempDir static Path dir;
  static TestCerts.Ca ca;
  static TestCerts.Pair first;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCerts.ca("rotation CA");
    first = ca.leaf("localhost", List.of("localhost", "127.0.0.1"), dir, "server");
    Path topology = Path.of(TlsRotationTest.class.getResource("/one-lane-topology.yaml").toURI());
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("tls-cert", first.cert().toString()).with("tls-key", first.key().toString()).with("watch", "true"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  static HttpResponse<String> infer(HttpClient client, String text) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.httpPort()
        + "/v2/models/all-minilm-l6-v2/infer")).POST(HttpRequest.BodyPublishers.ofString(Doors.oipJson(List.of(text))))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The serial of the certificate a new connection is served. */
  static BigInteger servedToANewConnection() {
    try {
      HttpClient fresh = HttpClient.newBuilder().sslContext(ca.trustingContext()).build();
      HttpResponse<String> r = infer(fresh, "which certificate?");
      assertEquals(200, r.statusCode(), r.body());
      return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Replaces a file the way a deployment tool does: a new file renamed over the old one. */
  static void replace(Path target, Path with) throws Exception {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.copy(with, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void rotation_underLoad_noRequestFails_newConnectionsSeeTheNewCertificate_corruptOneRefused() throws Exception {
    assertEquals(first.certificate().getSerialNumber(), servedToANewConnection());
    HttpClient kept = HttpClient.newBuilder().sslContext(ca.trustingContext()).build(); // one h2 connection
    assertEquals(200, infer(kept, "warm the kept connection").statusCode());
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Thread load = Thread.ofPlatform().start(() -> {
      for (int i = 0; running.get(); i++) {
        try {
          HttpResponse<String> r = infer(kept, "load " + i);
          if (r.statusCode() == 200) ok.incrementAndGet();
          else failures.add(r.statusCode() + " " + r.body());
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    });
    try {
      Instant now = Instant.now();
      TestCerts.Pair second = ca.leaf("localhost", List.of("localhost", "127.0.0.1"),
          now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)), dir, "second");
      replace(first.key(), second.key());
      replace(first.cert(), second.cert());
      Await.until(() -> gateway.tls().current().leaf().getSerialNumber().equals(second.certificate().getSerialNumber()),
          Duration.ofSeconds(20), "the watcher rotated to the second certificate");
      assertEquals(second.certificate().getSerialNumber(), servedToANewConnection());
      assertTrue(gateway.tls().current().expiresIn(Instant.now()) > 36 * 3600, "the gauge's source follows");

      // a corrupt replacement: refused, the second keeps serving
      Files.writeString(first.cert(), "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
      assertFalse(gateway.tls().reload("test: corrupt"));
      // a certificate whose key is another's: refused too
      TestCerts.Pair third = ca.leaf("localhost", List.of("localhost"), dir, "third");
      replace(first.cert(), third.cert());
      assertFalse(gateway.tls().reload("test: key mismatch"));
      // an expired one: refused
      TestCerts.Pair expired = ca.expired("localhost", List.of("localhost"), dir, "expired");
      replace(first.key(), expired.key());
      replace(first.cert(), expired.cert());
      assertFalse(gateway.tls().reload("test: expired"));
      assertEquals(second.certificate().getSerialNumber(), servedToANewConnection());
      Await.until(() -> ok.get() >= 20, Duration.ofSeconds(60), "20 requests through the rotation");
    } finally {
      running.set(false);
      load.join();
    }
    assertTrue(failures.isEmpty(), "no request fails: " + failures);
  }
}
