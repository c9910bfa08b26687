package dev.laneway.lanes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.laneway.topology.AdmissionSpec;
import dev.laneway.topology.LaneClass;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.OpenTelemetry;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Shadow checks over scripted lanes (the real ones run in the gateway's DriftGatewayTest): what they send to the
 * reference lane, that they are dropped (never queued) when it has no instance free, and the demotion and trickle
 * re-admission they drive. Every future completes at once, so each check is recorded before {@code infer} returns.
 */
class ShadowCheckTest {
  static final VariantSpec FP32 = new VariantSpec("fp32", "x.onnx", "t.json", false, List.of(LaneClass.GENERAL));
  static final VariantSpec INT8 = new VariantSpec("int8", "q.onnx", "t.json", true, List.of(LaneClass.GENERAL));
  static final ModelSpec M = new ModelSpec("m", "m", 4, "mean", 16, "fp32", List.of(FP32, INT8));
  static final int WINDOW = 3;

  /** A lane answering one vector for every text, recording the calls it got; {@code inFlight} as the test sets. */
  static final class Fixed implements Lane {
    final LaneSpec spec;
    volatile float[] vector;
    volatile int inFlight;
    final List<LaneCall> calls = new CopyOnWriteArrayList<>();
    final List<String> variants;

    Fixed(String id, double minCosine, List<String> variants, float... vector) {
      this.variants = variants;
      this.spec = new LaneSpec(id, "hk", LaneClass.GENERAL, List.of(id + "0"), 1, 1, null, null, 0,
          new AdmissionSpec(List.of(), minCosine));
      this.vector = vector;
    }

    public String id() { return spec.id(); }
    public LaneSpec spec() { return spec; }
    public boolean serves(String model, String variant) { return variants.contains(variant); }
    public List<DeviceStatus> devices() { return List.of(); }
    public boolean ready() { return true; }
    public int inFlight() { return inFlight; }
    public void drainAndClose(long timeoutMillis) { }
    public void close() { }

    public CompletableFuture<LaneResult> infer(LaneCall call) {
      calls.add(call);
      float[][] v = new float[call.texts().size()][];
      for (int i = 0; i < v.length; i++) v[i] = vector.clone();
      return CompletableFuture.completedFuture(new LaneResult(v, new int[v.length], id(), "hk", id() + "0", "cpu",
          true, call.variant().name(), 0, 0));
    }
  }

  static LaneCall client(VariantSpec v, String text) {
    return new LaneCall(M, v, List.of(text), Long.MAX_VALUE, "interactive");
  }

  @Test
  void busyReference_dropsTheCheck_freeReference_checksInTheBatchClass_andDemotes_thenTheTrickleReadmits() {
    Fixed npu = new Fixed("npu", 0.98, List.of("int8"), 0.8f, 0.6f, 0, 0); // cosine 0.8 to the reference's answer
    Fixed ref = new Fixed("ref", 0, List.of("fp32", "int8"), 1, 0, 0, 0);
    DriftWatch drift = DriftWatch.create(new DriftWatch.Options(1, 1000, WINDOW, 0.05), () -> 0,
        OpenTelemetry.noop(), new Random(1));
    DeviceFaults faults = new DeviceFaults();
    GuardedLane gNpu = GuardedLane.create(npu, faults, Map.of(), 0, drift);
    GuardedLane gRef = GuardedLane.create(ref, faults, Map.of(), 0, drift);
    drift.bind(List.of(gNpu, gRef));

    ref.inFlight = 1; // its one instance is busy: checks are dropped, not queued
    for (int i = 0; i < 5; i++) gNpu.infer(client(INT8, "t" + i)).join();
    assertTrue(ref.calls.isEmpty(), "nothing sent to a busy reference lane");
    assertNull(gNpu.health().drift("m", "int8"));

    ref.inFlight = 0;
    for (int i = 0; i < WINDOW; i++) gNpu.infer(client(INT8, "u" + i)).join();
    assertEquals(WINDOW, ref.calls.size());
    LaneCall shadow = ref.calls.getFirst();
    assertEquals("batch", shadow.latencyClass(), "the lowest priority");
    assertEquals(DriftWatch.TENANT, shadow.tenant(), "never a client's tenant");
    assertEquals("fp32", shadow.variant().name(), "recomputed on the reference variant");
    assertEquals(List.of("u0"), shadow.texts());
    String why = gNpu.health().drift("m", "int8");
    assertNotNull(why, "a full window at 0.8 < 0.98: demoted");
    assertTrue(why.contains("0.8000 < 0.9800"), why);
    assertEquals(0, gRef.ewmaMs(), "shadow calls are not in the reference lane's latency estimate");

    // the device recovers; the fallback's answers (the reference variant here) carry the trickle to the demoted lane
    npu.vector = new float[] {1, 0, 0, 0};
    int before = npu.calls.size();
    for (int i = 0; i < WINDOW - 1; i++) gRef.infer(client(FP32, "v" + i)).join();
    assertEquals(before + WINDOW - 1, npu.calls.size(), "one trickle check per sampled answer");
    assertNotNull(gNpu.health().drift("m", "int8"), "not a full window since the demotion yet");
    gRef.infer(client(FP32, "last")).join();
    assertNull(gNpu.health().drift("m", "int8"), "re-admitted after a full window of recovered checks");
    DriftState s = drift.states().stream().filter(x -> x.lane().equals("npu")).findFirst().orElseThrow();
    assertEquals(1.0, s.meanCosine(), 1e-6);
  }
}
