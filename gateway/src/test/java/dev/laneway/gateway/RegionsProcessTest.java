package dev.laneway.gateway;

import dev.laneway.gateway.pipeline.Calls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three processes on 127.0.0.1: executor nodes for hk and intl in their own JVMs, and the hk gateway (in this JVM)
 * whose lanes are both remote. Under steady load from an hk client, an intl client and an intl-resident tenant, the
 * intl node is SIGKILLed: intl traffic moves to hk (degraded), the resident tenant gets a typed 503 naming residency,
 * every request is answered; the node is restarted on the same address and intl traffic returns (half-open). Each
 * phase lasts until its traffic has been seen (a few answers per client), not for a fixed time, and fails the test
 * when that traffic is not seen.
 */
class RegionsProcessTest {
  static final String INFER = "/v2/models/all-minilm-l6-v2/infer";
  static final String BODY = "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\","
      + "\"data\":[\"a request from somewhere\"]}]}";

  record Outcome(String client, String phase, int status, String lane, boolean degraded, String body) {}

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  volatile String phase = "steady";

  @Test
  @Timeout(150)
  void killIntlNode_underLoad_movesTraffic_thenRestartBringsItBack(@TempDir Path dir) throws Exception {
    int hkPort = RegionFiles.freePort();
    int intlPort = RegionFiles.freePort();
    Path topology = RegionFiles.topology(dir, hkPort, intlPort);
    NodeProcess hk = NodeProcess.start("hk", topology, hkPort);
    NodeProcess intl = NodeProcess.start("intl", topology, intlPort);
    List<NodeProcess> nodes = new ArrayList<>(List.of(hk, intl));
    Gateway gateway = null;
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    try {
      hk.awaitReady();
      intl.awaitReady();
      gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
          .with("policy", RegionFiles.policy(dir).toString()).with("remote-probe-interval", "250ms")
          .with("cache-max-bytes", "0").with("watch", "false"));
      int port = gateway.httpPort();
      clients.add(client("hk", port, Map.of(Calls.REGION_HEADER, "hk"), running, outcomes, lost));
      clients.add(client("intl", port, Map.of(Calls.REGION_HEADER, "intl"), running, outcomes, lost));
      clients.add(client("resident", port, Map.of(Calls.REGION_HEADER, "intl",
          "x-api-key", "intl-resident-key"), running, outcomes, lost));
      // each phase lasts until the traffic it is about has been seen, not for a fixed time
      for (String client : List.of("hk", "intl", "resident")) {
        await(outcomes, o -> o.phase().equals("steady") && o.client().equals(client), 5, "steady answers: " + client);
      }

      phase = "killed";
      intl.kill();
      await(outcomes, o -> o.phase().equals("killed") && o.client().equals("intl") && o.status() == 200, 5,
          "intl answered during the kill");
      await(outcomes, o -> o.phase().equals("killed") && o.client().equals("resident"), 3,
          "the resident tenant answered during the kill");
      await(outcomes, o -> o.phase().equals("killed") && o.client().equals("hk"), 3, "hk answered during the kill");

      phase = "restarting";
      NodeProcess again = NodeProcess.start("intl", topology, intlPort);
      nodes.add(again);
      again.awaitReady();
      phase = "restored";
      await(outcomes, o -> o.phase().equals("restored") && o.client().equals("intl")
          && "intl-general".equals(o.lane()) && !o.degraded(), 1, "intl traffic back on the restarted node");
      await(outcomes, o -> o.phase().equals("restored") && o.client().equals("resident") && o.status() == 200
          && "intl-general".equals(o.lane()), 1, "the resident tenant served in intl again");
    } finally {
      running.set(false);
      for (Thread t : clients) t.join(15_000);
      if (gateway != null) gateway.close();
      for (NodeProcess n : nodes) n.close();
    }

    System.out.println("regions: " + summary(outcomes));
    assertTrue(lost.isEmpty(), "every request answered, none hung: " + lost);
    for (Outcome o : outcomes) {
      assertTrue(o.status() == 200 || o.status() == 503, "only answers or typed 503s: " + o);
    }
    for (Outcome o : phase(outcomes, "steady")) {
      assertEquals(200, o.status(), o.toString());
      assertEquals(o.client().equals("hk") ? "hk-general" : "intl-general", o.lane(), o.toString());
    }
    List<Outcome> killed = phase(outcomes, "killed");
    assertTrue(killed.stream().anyMatch(o -> o.client().equals("intl")), "intl traffic during the kill");
    for (Outcome o : killed) {
      switch (o.client()) {
        case "hk" -> assertEquals("hk-general", o.lane(), o.toString());
        case "intl" -> {
          assertEquals(200, o.status(), o.toString());
          assertEquals("hk-general", o.lane(), o.toString());
          assertTrue(o.degraded(), o.toString());
        }
        default -> {
          assertEquals(503, o.status(), o.toString());
          assertTrue(o.body().contains("residency"), "the 503 names residency: " + o);
        }
      }
    }
    assertTrue(seen(outcomes, o -> o.phase().equals("restored") && o.client().equals("intl")
        && "intl-general".equals(o.lane()) && !o.degraded()), "intl traffic returns to the restarted node");
    assertTrue(seen(outcomes, o -> o.phase().equals("restored") && o.client().equals("resident") && o.status() == 200
        && "intl-general".equals(o.lane())), "the resident tenant is served again in intl");
  }

  private Thread client(String name, int port, Map<String, String> headers, AtomicBoolean running,
      ConcurrentLinkedQueue<Outcome> outcomes, ConcurrentLinkedQueue<String> lost) {
    return Thread.ofPlatform().name("client-" + name).start(() -> {
      while (running.get()) {
        String at = phase;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + INFER))
            .POST(HttpRequest.BodyPublishers.ofString(BODY)).header("content-type", "application/json")
            .timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        try {
          HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
          String lane = null;
          boolean degraded = false;
          if (r.statusCode() == 200) {
            JsonObject p = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("parameters");
            lane = p.get("lane").getAsString();
            degraded = p.get("degraded").getAsBoolean();
          }
          // a request in flight across a phase change (the kill) is checked only against the general rules
          outcomes.add(new Outcome(name, at.equals(phase) ? at : "transition", r.statusCode(), lane, degraded,
              r.body()));
          Thread.sleep(20); // pacing: at most ~50 requests/s per client on a small machine (a load shape, not a wait)
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          lost.add(name + " in " + at + ": " + e);
        }
      }
    });
  }

  /**
   * Until {@code count} outcomes match (polled, at most 30 s); a phase that never sees its traffic fails here, naming
   * what it waited for and every outcome so far.
   */
  private static void await(ConcurrentLinkedQueue<Outcome> outcomes, Predicate<Outcome> p, int count, String what) {
    try {
      Await.until(() -> outcomes.stream().filter(p).count() >= count, Duration.ofSeconds(30), what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; outcomes: " + summary(outcomes), e);
    }
  }

  private static String summary(ConcurrentLinkedQueue<Outcome> outcomes) {
    return outcomes.stream().collect(java.util.stream.Collectors.groupingBy(
        o -> o.phase() + "/" + o.client() + "/" + o.status() + "/" + o.lane() + (o.degraded() ? "/degraded" : ""),
        java.util.TreeMap::new, java.util.stream.Collectors.counting())).toString();
  }

  private static List<Outcome> phase(ConcurrentLinkedQueue<Outcome> outcomes, String phase) {
    return outcomes.stream().filter(o -> o.phase().equals(phase)).toList();
  }

  private static boolean seen(ConcurrentLinkedQueue<Outcome> outcomes, Predicate<Outcome> p) {
    return outcomes.stream().anyMatch(p);
  }
}
