/**
 * A lane as a route target: a {@link LocalLane} runs an executor on its region's devices; a remote lane
 * ({@link dev.laneway.lanes.remote}) forwards to an executor node over OIP gRPC. {@link Lanes#start} wraps every lane
 * in a {@link GuardedLane}: a Resilience4j circuit breaker (device errors and timeouts count, client errors do not), a
 * bulkhead, observed latency (EWMA), {@link Admission} verdicts for specialised lanes, and injected
 * {@link DeviceFaults} (offline, latency, failure rate: the stand-in for an accelerator going away). What callers need
 * of a lane's health and breaker is {@link Lane#health()} ({@link LaneHealth}), whatever the implementation.
 *
 * <pre>{@code
 * Lanes lanes = Lanes.start(TopologyLoader.embeddedDefault());
 * Lane hk = lanes.get("hk-general");
 * hk.infer(new LaneCall(model, variant, List.of("hello"), deadlineNanos, "standard")).join();
 * hk.health().breakerState();                      // "closed": why routing skips it, in flight, latency
 * lanes.faults().setOffline("hk-npu0", true);      // hk-npu's calls now fail; its breaker opens
 * }</pre>
 */
package dev.laneway.lanes;
