/**
 * Remote lanes: a lane served by another process, an executor node ({@code laneway node}) or any Open Inference
 * Protocol gRPC server, reached over Vert.x gRPC clients on the gateway's Vert.x, one per event loop that sends
 * ({@link dev.laneway.lanes.remote.RemoteNodes} and {@link dev.laneway.lanes.remote.LoopClients}; RemoteNodes also
 * probes each node with {@code ServerReady} and ejects a lane whose node stops answering). A
 * {@link dev.laneway.lanes.remote.RemoteLane} sends {@code ModelInfer} with the texts as a raw BYTES tensor and maps
 * the node's answer and errors to lane results and {@link dev.laneway.lanes.LaneException}s, as dispatch and the
 * breaker need them; {@link dev.laneway.lanes.remote.NodeTls} is a link's TLS, and
 * {@link dev.laneway.lanes.remote.ConnectTimes} times each new connection to a node. The only package below the gateway that uses Vert.x (docs/ARCHITECTURE.md).
 *
 * <pre>{@code
 * RemoteNodes nodes = RemoteNodes.create(vertx, topology, otel, Duration.ofSeconds(2));   // the gateway's Vert.x
 * Lanes lanes = Lanes.start(topology, otel, spec -> true, nodes == null ? null : nodes::lane);
 * if (nodes != null) nodes.startProbes(lanes);
 * }</pre>
 */
package dev.laneway.lanes.remote;
