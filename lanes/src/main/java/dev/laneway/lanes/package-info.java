/**
 * A lane as a route target: a {@link LocalLane} runs an executor on its region's devices; a remote lane (later)
 * forwards to another node over gRPC. {@link Lanes#start} wraps every lane in a {@link GuardedLane}: a Resilience4j
 * circuit breaker (device errors and timeouts count, client errors do not), a bulkhead, observed latency (EWMA),
 * {@link Admission} verdicts for specialised lanes, and injected {@link DeviceFaults} (offline, latency, failure rate:
 * the stand-in for an accelerator going away).
 *
 * <pre>{@code
 * Lanes lanes = Lanes.start(TopologyLoader.embeddedDefault());
 * Lane hk = lanes.get("hk-general");
 * hk.infer(new LaneCall(model, variant, List.of("hello"), deadlineNanos, "standard")).join();
 * lanes.faults().setOffline("hk-npu0", true);      // hk-npu's calls now fail; its breaker opens
 * }</pre>
 */
package dev.laneway.lanes;
