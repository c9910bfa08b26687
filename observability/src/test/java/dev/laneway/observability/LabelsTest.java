package dev.laneway.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void bound_keepsKnownValues_andFoldsEverythingElseIntoUnknown() {
    Labels models = Labels.of(List.of("all-minilm-l6-v2", "bge-small-zh-v1.5"));
    assertEquals("all-minilm-l6-v2", models.bound("all-minilm-l6-v2"));
    assertEquals(Labels.UNKNOWN, models.bound("no-such-model"));
    assertEquals(Labels.UNKNOWN, models.bound(""));
    assertEquals(Labels.UNKNOWN, models.bound(null));
  }

  @Test
  void athousandUnknownNames_makeOneTimeSeries() {
    Labels models = Labels.of(List.of("m"));
    try (Telemetry t = Telemetry.create("test")) {
      LongCounter c = t.openTelemetry().getMeter("t").counterBuilder("laneway.requests").build();
      for (int i = 0; i < 1000; i++) c.add(1, Attributes.of(AttributeKey.stringKey("model"), models.bound("x" + i)));
      String text = t.prometheusText();
      assertEquals(1, text.lines().filter(l -> l.startsWith("laneway_requests_total{")).count(), text);
      assertTrue(text.contains("model=\"unknown\""), text);
    }
  }

  @Test
  void infoMetrics_keepTheirSuffix_andTargetInfoHasHelp() {
    try (Telemetry t = Telemetry.create("test")) {
      t.info("laneway_build", "build", Map.of("version", "1.2.3"));
      String text = t.prometheusText();
      assertTrue(text.contains("laneway_build_info{version=\"1.2.3\"} 1"), text);
      assertTrue(text.contains("# HELP target_info "), text);
    }
  }
}
