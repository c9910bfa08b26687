package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void target_isAnHttpHostAndPort_forE2eOnly_withAnOptionalGrpcPortOnTheSameHost() {
    BenchOptions o = BenchOptions.parse("e2e", "--target", "http://127.0.0.1:8000", "--target-grpc", "127.0.0.1:8001");
    Target t = Target.parse(o.target(), o.targetGrpc());
    assertEquals("127.0.0.1", t.host());
    assertEquals(8000, t.httpPort());
    assertEquals(8001, t.grpcPort());
    assertEquals(-1, t.pid(), "a target's process is not known: no gateway CPU breakdown");
    assertEquals(0, Target.parse("http://localhost:9/", null).grpcPort(), "no gRPC unless given");
    String[][] bad = {
      {"failover", "--target", "http://127.0.0.1:8000"}, // only e2e
      {"e2e", "--target", "https://127.0.0.1:8000"}, // only http
      {"e2e", "--target", "http://127.0.0.1"}, // no port
      {"e2e", "--target", "http://127.0.0.1:8000/v2"}, // a path
      {"e2e", "--target-grpc", "127.0.0.1:8001"}, // gRPC without a target
      {"e2e", "--target", "http://127.0.0.1:8000", "--target-grpc", "8001"}, // no host
      {"e2e", "--target", "http://127.0.0.1:8000", "--target-grpc", "10.0.0.1:8001"}, // another host
    };
    for (String[] args : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(args),
          String.join(" ", args));
      assertTrue(e.getMessage().startsWith("--target"), e.getMessage());
    }
  }
}
