package dev.laneway.gateway.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rule generator: the golden file under {@code deploy/prometheus/} is what it writes for the embedded default;
 * {@code promtool check rules} accepts what it writes (the default and a tenant-scoped file with its own windows);
 * {@code promtool test rules} runs the unit tests of every alert (each fires when it should and resolves after; a burn
 * under the minimum traffic does not page). The promtool checks are skipped, with a message, only when promtool is
 * not installed ({@code .ci/run} installs it).
 */
class SloRulesTest {
  static final Path DIR = Files.isDirectory(Path.of("..", "deploy", "prometheus")) ? Path.of("..", "deploy",
      "prometheus") : Path.of("deploy", "prometheus");
  static final Path GOLDEN = DIR.resolve("laneway-rules.yaml");

  @Test
  void theCommittedRules_areWhatTheGeneratorWritesForTheEmbeddedDefault() throws Exception {
    String generated = RuleGenerator.rules(SloLoader.embeddedDefault());
    assertEquals(Files.readString(GOLDEN), generated,
        "deploy/prometheus/laneway-rules.yaml is stale: regenerate it with ./laneway slo rules --out "
            + "deploy/prometheus/laneway-rules.yaml");
  }

  @Test
  void defaultRules_useTheWorkbookWindows_theGuard_andTheCountedOutcomes() {
    String r = RuleGenerator.rules(SloLoader.embeddedDefault());
    for (String w : List.of("5m", "30m", "1h", "6h", "3d")) {
      assertTrue(r.contains("record: laneway:slo_errors:ratio_rate" + w), w);
    }
    assertTrue(r.contains("laneway:slo_errors:ratio_rate1h{slo=\"interactive-latency\"} > (14.4 * 0.01)"), r);
    assertTrue(r.contains("laneway:slo_errors:ratio_rate30m{slo=\"interactive-availability\"} > (6 * 0.001)"), r);
    assertTrue(r.contains("laneway:slo_requests:rate3d{slo=\"batch-availability\"} * 259200 >= 100"), r);
    assertTrue(r.contains("le=\"0.05\""), "interactive's 50 ms threshold reads its bucket exactly");
    // the tenant's own rate limit is not counted; a saturation 429 is (it is not in the list)
    assertTrue(r.contains("outcome!~\"bad_request|invalid_input|unknown_model|unknown_version|unauthorized|forbidden|"
        + "cancelled|request_rate|token_rate|budget_exhausted|too_large\""), r);
    assertFalse(r.matches("(?s).*outcome!~\"[^\"]*queue_full.*"), "a saturation 429 counts: " + r);
    for (String a : List.of("LanewayDeviceOffline", "LanewayBreakerOpen", "LanewayStandIn", "LanewayAdmissionRefused",
        "LanewayQueueSaturated", "LanewaySloShedding", "LanewayCertificateExpiry")) {
      assertTrue(r.contains("alert: " + a + "\n"), a);
    }
    assertTrue(r.contains("laneway_tls_certificate_expiry_seconds"), r);
  }

  @Test
  void aTenantObjective_withItsOwnWindows_isScopedToTheTenant() throws Exception {
    SloSpec spec = parse("""
        objectives:
          - name: acme-interactive
            latency_class: interactive
            tenant: acme
            latency: {target: 0.995, threshold: 20ms, window: 7d}
        alerting:
          min_requests: 10
          burn_windows:
            - {long: 2h, short: 10m, factor: 10, severity: page}
        shedding: {enabled: false}
        """);
    String r = RuleGenerator.rules(spec);
    assertTrue(r.contains("tenant=\"acme\""), r);
    assertTrue(r.contains("le=\"0.02\""), r);
    assertTrue(r.contains("laneway:slo_errors:ratio_rate2h{slo=\"acme-interactive-latency\"} > (10 * 0.005)"), r);
    assertTrue(r.contains("* 7200 >= 10"), r);
    assertFalse(r.contains("LanewaySloBurnTicket"), "no ticket pair, no ticket alert");
    String promtool = promtool();
    if (promtool != null) {
      Path f = tmp.resolve("acme.yaml");
      Files.writeString(f, r);
      assertEquals("", run(promtool, "check", "rules", f.toString()).problems());
    }
  }

  @TempDir Path tmp;

  @Test
  void promtool_checksTheGoldenRules() throws Exception {
    String promtool = promtool();
    assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus; .ci/run does): skipped");
    Result r = run(promtool, "check", "rules", GOLDEN.toString());
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("SUCCESS"), r.out());
  }

  @Test
  void promtool_unitTestsEveryAlert() throws Exception {
    String promtool = promtool();
    assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus; .ci/run does): skipped");
    Path tests = DIR.resolve("laneway-rules.test.yaml");
    String text = Files.readString(tests);
    for (String a : List.of("LanewaySloBurnPage", "LanewaySloBurnTicket", "LanewayDeviceOffline", "LanewayBreakerOpen",
        "LanewayStandIn", "LanewayAdmissionRefused", "LanewayQueueSaturated", "LanewaySloShedding",
        "LanewayCertificateExpiry")) {
      assertTrue(text.contains("\"alertname\": \"" + a + "\""), "a unit test for " + a);
    }
    Result r = run(promtool, "test", "rules", tests.toString());
    assertEquals(0, r.exit(), r.out());
  }

  @Test
  void theGuard_isWhatKeepsAQuietHourFromPaging() throws Exception {
    String promtool = promtool();
    assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus; .ci/run does): skipped");
    // the same unit tests against rules without the minimum-traffic guard: the quiet-hour case must fail
    Files.writeString(tmp.resolve("laneway-rules.yaml"), Files.readString(GOLDEN).replace(" >= 100\n", " >= 1\n"));
    Path tests = tmp.resolve("t.yaml");
    Files.writeString(tests, Files.readString(DIR.resolve("laneway-rules.test.yaml")));
    Result r = run(promtool, "test", "rules", tests.toString());
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().contains("alertname: LanewaySloBurnPage, time: 58m"), r.out());
  }

  @Test
  void badFiles_areRefused_withTheFileLineAndField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("""
        objectives:
          - name: interactive
            latency_class: interactive
            latency: {target: 0.99, threshold: 40ms, window: 28d}
        """));
    assertTrue(e.getMessage().startsWith("test.yaml:"), e.getMessage());
    assertTrue(e.getMessage().contains("latency.threshold: 40.0 ms (expected: a bucket bound"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("objectives:\n  - name: x\n    latency_clas: batch\n"));
    assertTrue(e.getMessage().contains("x.latency_class: missing"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("objectivez: []\n"));
    assertTrue(e.getMessage().contains("unknown key 'objectivez'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("""
        objectives:
          - {name: x, latency_class: batch, availability: {target: 1.5, window: 28d}}
        """));
    assertTrue(e.getMessage().contains("target: 1.5 (expected: 0 < target < 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("""
        objectives:
          - {name: x, latency_class: batch, availability: {target: 0.99, window: 28d}}
        """));
    assertTrue(e.getMessage().contains("shedding.protect: 'interactive'"), e.getMessage());
  }

  @Test
  void theEmbeddedDefault_readsAsDocumented() {
    SloSpec d = SloLoader.embeddedDefault();
    assertEquals(List.of("interactive", "standard", "batch"), d.objectives().stream().map(SloSpec.Objective::name)
        .toList());
    assertEquals(Duration.ofMillis(50), d.objective("interactive").latency().threshold());
    assertEquals(Duration.ofDays(28), d.objective("interactive").availability().window());
    assertEquals(SloSpec.Alerting.WORKBOOK, d.alerting().burnWindows());
    assertTrue(d.shedding().enabled());
    assertEquals(SloSpec.DEFAULT_NOT_COUNTED, d.notCounted());
  }

  @Test
  void theCommand_writesTheRules_andRefusesBadArguments() throws Exception {
    Path out = tmp.resolve("rules.yaml");
    assertEquals("wrote " + out + "\n", SloCommand.run(new String[] {"rules", "--out", out.toString()}));
    assertEquals(Files.readString(GOLDEN), Files.readString(out));
    assertThrows(IllegalArgumentException.class, () -> SloCommand.run(new String[] {"rules", "--bogus"}));
    assertThrows(IllegalArgumentException.class, () -> SloCommand.run(new String[] {}));
  }

  static SloSpec parse(String yaml) {
    return SloLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
  }

  record Result(int exit, String out) {
    /** The output's lines but the SUCCESS summary. */
    String problems() {
      return exit == 0 ? "" : out;
    }
  }

  static Result run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
    return new Result(p.exitValue(), out);
  }

  static String promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, "promtool");
      if (f.canExecute()) return f.getPath();
    }
    return null;
  }
}
