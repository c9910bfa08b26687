/**
 * The front doors and the main class: Vert.x listeners for the Open Inference Protocol over REST (and, later, gRPC
 * and OpenAI embeddings), decoding into {@link InferenceCall} records on the event loop, one {@link Dispatcher} that
 * routes and tries lanes in order, and one {@link ErrorMapping} from every typed error to HTTP.
 *
 * <pre>{@code
 * Gateway g = Gateway.start(GatewayOptions.defaults().with("http-port", "0"));
 * // curl localhost:<g.httpPort()>/v2/models/all-minilm-l6-v2/infer -d '{"inputs":[...]}'
 * g.close();
 * }</pre>
 */
package dev.laneway.gateway;
