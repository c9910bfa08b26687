/**
 * A lane as a route target: a local lane runs an executor on its region's devices; a remote lane (later) forwards to
 * another node over gRPC. Breakers, bulkheads, health and fault injection live here.
 *
 * <pre>{@code
 * Lanes lanes = Lanes.start(TopologyLoader.embeddedDefault());
 * Lane hk = lanes.get("hk-general");
 * hk.infer(new LaneCall(model, variant, List.of("hello"), deadlineNanos, "standard")).join();
 * }</pre>
 */
package dev.laneway.lanes;
