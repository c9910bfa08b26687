package dev.laneway.gateway;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Opt-in measurement, never part of the test run (surefire selects {@code *Test}, {@code Test*}, {@code *Tests} and
 * {@code *TestCase}, not {@code *Bench}; and it is disabled without {@code -Dlaneway.bench=true}): per-door overhead
 * at low load, as the median and p99 of (round trip seen by the client minus the response parameter
 * {@code executor_ms}: submit to the lane until its result). One client, one request at a time, one short unique
 * text, cache bypassed. Loopback and the client's own encode/decode are inside the figure, so it is an upper bound of
 * the gateway's own time. It prints its figures and asserts nothing (the README's "In-process measurements").
 *
 * <pre>./mvnw -B -ntp -pl gateway -am test -Dtest=DoorOverheadBench -Dsurefire.failIfNoSpecifiedTests=false -Dlaneway.bench=true</pre>
 */
@EnabledIfSystemProperty(named = "laneway.bench", matches = "true")
class DoorOverheadBench {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();
  static final String MINILM = "all-minilm-l6-v2";
  static final Map<String, String> NO_CACHE = Map.of("cache-control", "no-cache");

  @Test
  void overheadPerDoor() throws InterruptedException {
    int n = Integer.getInteger("laneway.bench.requests", 300);
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", gw.gateway().grpcPort()).usePlaintext().build();
    try {
      Map<String, Function<List<String>, Doors.Result>> doors = new java.util.LinkedHashMap<>();
      doors.put("rest", t -> Doors.rest(gw, MINILM, t, NO_CACHE));
      doors.put("rest_binary", t -> Doors.restBinary(gw, MINILM, t, NO_CACHE));
      doors.put("grpc", t -> Doors.grpc(channel, MINILM, t, false, NO_CACHE));
      doors.put("grpc_raw", t -> Doors.grpc(channel, MINILM, t, true, NO_CACHE));
      doors.put("openai", t -> Doors.openAi(gw, MINILM, t, NO_CACHE));
      StringBuilder report = new StringBuilder();
      // two rounds over every door, the first only warms the JIT on every path; the second is reported
      for (int round = 0; round < 2; round++) {
      report.setLength(0);
      report.append("door overhead (round trip - executor_ms), ms, n=" + n + "\n");
      for (var e : doors.entrySet()) {
        for (int i = 0; i < 50; i++) e.getValue().apply(List.of("warm up " + i));
        double[] overhead = new double[n];
        double[] executor = new double[n];
        for (int i = 0; i < n; i++) {
          long t0 = System.nanoTime();
          Doors.Result r = e.getValue().apply(List.of("overhead sample " + i + " " + t0));
          double total = (System.nanoTime() - t0) / 1e6;
          // executor_ms: from the submit to the answering lane to its result, as the dispatcher saw it
          executor[i] = Double.parseDouble(r.parameters().get("executor_ms"));
          overhead[i] = total - executor[i];
        }
        Arrays.sort(overhead);
        Arrays.sort(executor);
        report.append(String.format("%-12s median %.3f  p99 %.3f   (executor median %.3f)%n", e.getKey(),
            overhead[n / 2], overhead[(int) Math.ceil(n * 0.99) - 1], executor[n / 2]));
      }
      }
      System.out.print(report);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
