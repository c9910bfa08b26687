package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
  @Test
  void admissionCacheArgs_findTheGatewaysAdmissionCache_inEitherForm_forTheNodes() {
    assertEquals(List.of("--admission-cache=/tmp/t/a.properties"), BenchOptions.parse("regions", "--gateway-arg",
        "--watch", "--gateway-arg", "false", "--gateway-arg", "--admission-cache=/tmp/t/a.properties")
        .admissionCacheArgs());
    assertEquals(List.of("--admission-cache", "/tmp/t/a.properties"), BenchOptions.parse("regions", "--gateway-arg",
        "--admission-cache", "--gateway-arg", "/tmp/t/a.properties").admissionCacheArgs());
    assertEquals(List.of(), BenchOptions.parse("regions", "--gateway-arg", "--watch=false").admissionCacheArgs(),
        "none given: the nodes keep their default, as the gateway does");
  }

  @Test
  void smokeTests_keepAdmissionsCacheInTheirOwnDirectory() {
    Path dir = Path.of("/tmp/a-test-dir");
    BenchOptions o = BenchSmokeTest.smoke("regions", dir);
    assertEquals(List.of("--admission-cache=" + dir.resolve("admission.properties")), o.gatewayArgs());
    assertEquals(o.gatewayArgs(), o.admissionCacheArgs());
    assertEquals(dir.resolve("regions.json"), o.jsonFile());
  }
}
