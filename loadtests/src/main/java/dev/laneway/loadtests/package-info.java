/**
 * Laneway's load tests: an open-loop load generator ({@link dev.laneway.loadtests.OpenLoop}), wire clients for every
 * front door (OIP REST JSON and binary, OIP gRPC unary and streaming, OpenAI embeddings), a child gateway process
 * ({@link dev.laneway.loadtests.GatewayProcess}), the scenarios and their JSON + HTML reports. It talks to a gateway
 * only over the wire; in process, it measures only limits: the ONNX Runtime limit ({@link dev.laneway.loadtests.OrtLimit})
 * and, in {@code loadtests.executor}, the executor benchmark, which share one offline batching
 * ({@link dev.laneway.loadtests.OfflineBatches}).
 *
 * <pre>{@code
 * ./laneway bench e2e --smoke              # a few seconds per phase
 * ./laneway bench failover --json out.json
 * }</pre>
 */
package dev.laneway.loadtests;
