package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.laneway.lanes.Lane;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it, and
 * only without it is this skipped, with a message) loads {@code /status} from a real gateway on the three-lane test
 * topology under light interactive load, runs its script (polling {@code /status.json}) and dumps the rendered DOM.
 * The DOM shows every lane with its devices and stand-ins, numbers that change between refreshes of one page load, and
 * after {@code hk-npu0} is taken offline through the admin door, hk-npu's breaker open with the transition listed. A
 * phone-sized screenshot is saved as {@code target/status-page.png}.
 */
class StatusPageBrowserTest {
  static final String MINILM = "/v2/models/all-minilm-l6-v2/versions/int8/infer";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path dir;
  static Gateway gateway;
  static String chromium;

  @BeforeAll
  static void start() throws Exception {
    chromium = onPath("chromium");
    assumeTrue(chromium != null, "chromium is not installed (apt-get install chromium; .ci/run does): skipped");
    // the routing tests' topology, with hk-npu's breaker staying open for a minute (not half-open before the page shows)
    Path topology = dir.resolve("topology.yaml");
    String routing = Files.readString(Path.of(StatusPageBrowserTest.class.getResource("/routing-topology.yaml").toURI()));
    assertTrue(routing.contains("breaker: {wait_in_open: 500ms}"), "the test topology declares hk-npu's breaker");
    Files.writeString(topology, routing.replace("breaker: {wait_in_open: 500ms}", "breaker: {wait_in_open: 60s}"));
    Path policy = dir.resolve("policy.yaml");
    // the routing tests' policy (without spillover: interactive int8 stays on hk-npu on a loaded test machine)
    Files.writeString(policy, Files.readString(Path.of(StatusPageBrowserTest.class.getResource("/routing-policy.yaml")
        .toURI())));
    gateway = Gateway.start(GatewayOptions.ephemeral().with("topology", topology.toString())
        .with("policy", policy.toString()).with("trace-url", "http://127.0.0.1:9411/zipkin/traces/{trace_id}"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) gateway.close();
  }

  @Test
  void theRenderedPage_showsEveryLane_liveNumbers_andABreakerOpeningAfterAFault() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    Thread load = Thread.ofVirtual().start(() -> { // light load: one interactive request at a time
      while (running.get()) {
        try {
          post(MINILM, body("status page " + sent.incrementAndGet()));
        } catch (Exception e) {
          return;
        }
      }
    });
    try {
      Await.until(() -> sent.get() > 5, Duration.ofSeconds(30), "the load runs");
      String dom = dumpDom(6000);
      for (Lane lane : gateway.lanes().all()) {
        assertTrue(dom.contains("data-lane=\"" + lane.id() + "\""), "lane " + lane.id() + " is shown: " + dom);
      }
      assertTrue(dom.contains("data-lane=\"hk-npu\" data-breaker=\"closed\""), dom);
      assertTrue(dom.contains("stand-in"), "the CPU stand-ins say so");
      assertTrue(dom.contains("interactive-latency"), "the SLOs' burn rates");
      assertTrue(dom.contains("href=\"http://127.0.0.1:9411/zipkin/traces/"), "slow requests link to their traces");
      List<Integer> seen = history(dom);
      assertTrue(refreshes(dom) >= 2, "the page refreshed itself: " + dom);
      assertTrue(seen.size() >= 2 && seen.getLast() > seen.getFirst(),
          "the interactive count grew between refreshes of one page load: " + seen);

      assertEquals(200, post("/v2/admin/devices/hk-npu0/offline", "").statusCode());
      Await.until(() -> gateway.lanes().find("hk-npu").orElseThrow().health().breakerState().equals("open"),
          Duration.ofSeconds(30), "hk-npu's breaker opens under load with its device offline");
      dom = dumpDom(2500);
      assertTrue(dom.contains("data-lane=\"hk-npu\" data-breaker=\"open\""), dom);
      assertTrue(dom.contains("breaker open"), dom);
      assertTrue(dom.contains("hk-npu0 offline"), "the fault in force is shown: " + dom);
      assertTrue(Pattern.compile("closed -&gt; open|closed -> open").matcher(dom).find(), "the transition: " + dom);
      Path shot = Path.of("target", "status-page.png").toAbsolutePath();
      run(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=2500",
          "--window-size=412,1500", "--screenshot=" + shot, url());
      assertTrue(Files.size(shot) > 10_000, "a screenshot was saved: " + shot);
    } finally {
      running.set(false);
      load.join(Duration.ofSeconds(30));
      post("/v2/admin/devices/hk-npu0/online", "");
    }
  }

  /** The DOM after the page's script ran for {@code budgetMillis} of virtual time. */
  static String dumpDom(int budgetMillis) throws Exception {
    return run(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=" + budgetMillis,
        "--dump-dom", url());
  }

  static int refreshes(String dom) {
    Matcher m = Pattern.compile("data-refreshes=\"(\\d+)\"").matcher(dom);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** The interactive answer counts the page saw, one per refresh. */
  static List<Integer> history(String dom) {
    Matcher m = Pattern.compile("<span id=\"history\">([0-9, ]*)</span>").matcher(dom);
    List<Integer> out = new ArrayList<>();
    if (m.find() && !m.group(1).isBlank()) {
      Arrays.stream(m.group(1).split(",\\s*")).map(Integer::parseInt).forEach(out::add);
    }
    return out;
  }

  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue(), "chromium: " + out);
    return out;
  }

  static String url() {
    return "http://127.0.0.1:" + gateway.httpPort() + "/status";
  }

  static String body(String text) {
    return new JsonObject().put("parameters", new JsonObject().put("latency_class", "interactive"))
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "text").put("datatype", "BYTES")
            .put("shape", new JsonArray().add(1)).put("data", new JsonArray().add(text)))).encode();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    int port = path.startsWith("/v2/admin/") ? gateway.adminPort() : gateway.httpPort(); // the admin door apart
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
        .header("cache-control", "no-cache").timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(d, command);
      if (f.canExecute()) return f.getPath();
    }
    return null;
  }
}
