/**
 * The front doors and the main class: Vert.x listeners for the Open Inference Protocol over REST (JSON and Triton's
 * binary tensor extension) and gRPC (with Triton's streaming), and OpenAI embeddings. Every door decodes into an
 * {@link InferenceCall} record on the event loop and hands it to the one {@link InferenceService}: per-input
 * {@link EmbeddingCache} look-up, one {@link Dispatcher} call for the misses (route, then try lanes in order), the
 * answer reassembled; one {@link ErrorMapping} turns every typed error into HTTP and gRPC statuses. The Open Inference
 * Protocol's messages and tensor codecs are {@code dev.laneway.protocol}'s (shared with the remote lanes' client and
 * the load tests); lanes, local or remote ({@code dev.laneway.lanes.remote}), are read only through {@code Lane},
 * health included ({@code Lane.health()}).
 *
 * <pre>{@code
 * Gateway g = Gateway.start(GatewayOptions.defaults().with("http-port", "0").with("grpc-port", "0"));
 * // curl localhost:<g.httpPort()>/v2/models/all-minilm-l6-v2/infer -d '{"inputs":[...]}'
 * // grpcurl -plaintext localhost:<g.grpcPort()> inference.GRPCInferenceService/ModelInfer
 * g.close();
 * }</pre>
 */
package dev.laneway.gateway;

import dev.laneway.gateway.cache.EmbeddingCache;
import dev.laneway.gateway.pipeline.Dispatcher;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.InferenceService;
