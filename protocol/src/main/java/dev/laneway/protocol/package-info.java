/**
 * The Open Inference Protocol as Laneway speaks it, for every module that does: the names ({@link
 * dev.laneway.protocol.Oip}: the gRPC service and methods, the tensors, the parameters a gateway and a node exchange),
 * the tensor codecs both ways ({@link dev.laneway.protocol.Tensors}: BYTES and FP32 raw layouts), the
 * {@code ModelInfer} messages of a text-embedding model ({@link dev.laneway.protocol.Embeddings}), parameter values
 * ({@link dev.laneway.protocol.Parameters}, {@link dev.laneway.protocol.TokenCounts}), and one typed error for
 * anything malformed ({@link dev.laneway.protocol.OipFormatException}). The protobuf messages and grpc-java stubs are
 * generated from {@code src/main/proto/grpc_service.proto} into {@code dev.laneway.oip}. A leaf: no module of ours,
 * no gRPC framework (the stubs' grpc-java is an optional dependency for the clients that use them).
 *
 * <pre>{@code
 * ModelInferRequest req = Embeddings.request("all-minilm-l6-v2", "int8", List.of("hello")).build();
 * float[][] vectors = Embeddings.vectors(response, 1);     // OipFormatException when malformed
 * }</pre>
 */
package dev.laneway.protocol;
