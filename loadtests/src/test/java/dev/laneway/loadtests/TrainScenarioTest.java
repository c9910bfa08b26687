package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code bench train} clears before it trains: as the launcher's first start does. */
class TrainScenarioTest {
  @TempDir Path dir;

  @Test
  void keepsThisBuildsCachesForOtherSettingsAndRemovesOtherBuildsAndTheOneItTrains() throws IOException {
    for (String n : List.of("gateway-aaaa-1111.aot", "gateway-aaaa-2222.aot", "gateway-aaaa-2222.aot.config",
        "gateway-bbbb-1111.aot", "gateway-bbbb-1111.aot.config", "gateway-0123456789abcdef.aot", "node-bbbb-1111.aot",
        "other.txt")) {
      Files.writeString(dir.resolve(n), "x");
    }
    TrainScenario.removeCaches(dir.resolve("gateway-aaaa-2222.aot"));
    assertEquals(List.of("gateway-aaaa-1111.aot", "node-bbbb-1111.aot", "other.txt"), names());
  }

  @Test
  void aNameWithoutItsTwoKeysLeavesNoGatewayCache() throws IOException {
    Files.writeString(dir.resolve("gateway-aaaa-1111.aot"), "x");
    Files.writeString(dir.resolve("node-aaaa-1111.aot"), "x");
    TrainScenario.removeCaches(dir.resolve("gateway-0123456789abcdef.aot"));
    assertEquals(List.of("node-aaaa-1111.aot"), names());
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
