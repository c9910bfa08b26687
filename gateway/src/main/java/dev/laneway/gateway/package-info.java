/**
 * Composition and lifecycle: {@link dev.laneway.gateway.Gateway} puts the lanes, the routing snapshot, the request
 * pipeline and the listeners together and drains them on SIGTERM; {@link dev.laneway.gateway.GatewayOptions} is every
 * flag, parsed and checked; {@link dev.laneway.gateway.Listener} serves one port on several event loops;
 * {@link dev.laneway.gateway.Main} is the command line. What a request goes through is
 * {@code dev.laneway.gateway.pipeline}; the doors are {@code oip} and {@code openai}; operations are {@code admin};
 * metrics and traces {@code telemetry}; the embedding cache {@code cache}; TLS, API keys and the admin door
 * {@code security} (wired into the listeners by {@code Transport}).
 *
 * <pre>{@code
 * Gateway g = Gateway.start(GatewayOptions.defaults().with("http-port", "0").with("grpc-port", "0"));
 * // curl localhost:<g.httpPort()>/v2/models/all-minilm-l6-v2/infer -d '{"inputs":[...]}'
 * // grpcurl -plaintext localhost:<g.grpcPort()> inference.GRPCInferenceService/ModelInfer
 * g.close();
 * }</pre>
 */
package dev.laneway.gateway;
