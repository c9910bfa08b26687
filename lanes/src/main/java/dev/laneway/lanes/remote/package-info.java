/**
 * Remote lanes: a lane served by another process, an executor node ({@code laneway node}) or any Open Inference
 * Protocol gRPC server, reached over one shared Vert.x gRPC client ({@link dev.laneway.lanes.remote.RemoteNodes}, which
 * also probes each node with {@code ServerReady} and ejects a lane whose node stops answering). A
 * {@link dev.laneway.lanes.remote.RemoteLane} sends {@code ModelInfer} with the texts as a raw BYTES tensor and maps
 * the node's answer and errors to lane results and {@link dev.laneway.lanes.LaneException}s, as dispatch and the
 * breaker need them; {@link dev.laneway.lanes.remote.NodeTls} is a link's TLS, and
 * {@link dev.laneway.lanes.remote.ConnectTimes} times each new connection to a node. The only package below the gateway that uses Vert.x (docs/ARCHITECTURE.md).
 *
 * <pre>{@code
 * RemoteNodes nodes = RemoteNodes.create(topology, otel, Duration.ofSeconds(2));
 * Lanes lanes = Lanes.start(topology, otel, spec -> true, nodes == null ? null : nodes::lane);
 * if (nodes != null) nodes.startProbes(lanes);
 * }</pre>
 */
package dev.laneway.lanes.remote;
