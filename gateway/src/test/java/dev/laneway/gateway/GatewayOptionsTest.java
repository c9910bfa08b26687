package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayOptionsTest {
  @Test
  void defaultsAreTritonsPortsAndTheEmbeddedDefault() {
    GatewayOptions o = GatewayOptions.defaults();
    assertEquals(8000, o.httpPort());
    assertEquals(8001, o.grpcPort());
    assertEquals(8002, o.metricsPort());
    assertNull(o.topology());
    assertEquals(Duration.ofSeconds(30), o.defaultTimeout());
  }

  @Test
  void admissionCache_defaultsUnderTheUsersCacheDirectory_andEmptyTurnsItOff() {
    Path expected = System.getenv("XDG_CACHE_HOME") == null || System.getenv("XDG_CACHE_HOME").isEmpty()
        ? Path.of(System.getProperty("user.home"), ".cache/laneway/admission.properties")
        : Path.of(System.getenv("XDG_CACHE_HOME"), "laneway/admission.properties");
    assertEquals(expected, GatewayOptions.defaults().admissionCache());
    assertNull(GatewayOptions.parse("--admission-cache", "").admissionCache());
    assertEquals(Path.of("/tmp/a.properties"), GatewayOptions.parse("--admission-cache=/tmp/a.properties").admissionCache());
  }

  @Test
  void bothFlagSpellingsParse() {
    GatewayOptions o = GatewayOptions.parse("--http-port", "9000", "--default-timeout=250ms", "--topology", "t.yaml");
    assertEquals(9000, o.httpPort());
    assertEquals(Duration.ofMillis(250), o.defaultTimeout());
    assertEquals(Path.of("t.yaml"), o.topology());
  }

  @Test
  void badValuesNameTheFlagAndWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--grpc-port", "70000"));
    assertEquals("--grpc-port: '70000' (expected: a port 0..65535)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--default-timeout", "0s"));
    assertTrue(e.getMessage().startsWith("--default-timeout: '0s' (expected: a duration > 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--no-such", "1"));
    assertTrue(e.getMessage().startsWith("unknown option --no-such"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.parse("--host"));
    assertTrue(e.getMessage().startsWith("--host: missing value"), e.getMessage());
  }

  @Test
  void optionsAreAnImmutableRecord_withReturnsACheckedCopy() {
    GatewayOptions base = GatewayOptions.defaults();
    GatewayOptions changed = base.with("max-texts", "7").with("region", "intl").with("otel-service-name", "svc");
    assertEquals(1024, base.maxTexts(), "the original is unchanged");
    assertEquals(7, changed.maxTexts());
    assertEquals("intl", changed.nodeRegion());
    assertNull(base.nodeRegion(), "empty --region: a gateway, not a node");
    assertEquals(java.util.Map.of("otel.service.name", "svc"), changed.otelOverrides());
    assertTrue(changed.toString().contains("--max-texts=7"), changed.toString());
    assertEquals(changed, GatewayOptions.parse("--max-texts", "7", "--region=intl", "--otel-service-name", "svc"));
    assertEquals(Runtime.getRuntime().availableProcessors(), base.eventLoops(), "0: one per core");
    assertEquals(3, base.with("event-loops", "3").eventLoops());
  }

  /** Every option has a default, a flag, a help line and a line in the README's options table. */
  @Test
  void everyOptionIsInHelpAndInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (GatewayOptions.Option o : GatewayOptions.OPTIONS) {
      assertTrue(GatewayOptions.HELP.contains("--" + o.flag() + " "), o.flag());
      assertTrue(readme.contains("| `--" + o.flag() + " "), "README options table lacks --" + o.flag());
    }
  }
}
