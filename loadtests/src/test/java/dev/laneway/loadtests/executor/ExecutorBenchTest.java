package dev.laneway.loadtests.executor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CI smoke test: the benchmark runs in quick mode and its JSON has every field (no timing is asserted). */
class ExecutorBenchTest {
  static final List<String> FIELDS = List.of("limit_sps", "saturated_sps", "saturation_ratio", "bucketing_gain",
      "interactive_p50_overhead_ms", "interactive_p99_overhead_ms", "interactive_p99_queue_ms_under_batch_load",
      "max_batch_exec_ms", "pooled_buffers_saving_pct", "padding_efficiency", "corpus_sentences");

  @Test
  void quickRun_writesEveryField(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    ExecutorBench.main(new String[] {"--quick", "--json", json.toString()});
    String text = Files.readString(json);
    for (String f : FIELDS) {
      assertTrue(text.matches("(?s).*\"" + f + "\": -?[0-9.]+[,\\n].*"), f + " missing or not a number in " + text);
    }
    assertTrue(text.matches("(?s).*\"corpus_sentences\": (2[0-9]{3}|[3-9][0-9]{3}),.*"), "at least 2,000 sentences");
  }
}
