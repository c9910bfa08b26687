package dev.laneway.gateway.pipeline;

import dev.laneway.routing.CertificateIdentity;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;

/**
 * What a door decoded from one request, in its own wire format's terms, before the pipeline makes it a call.
 *
 * @param door the door's name in metrics: {@code rest}, {@code rest_binary}, {@code grpc}, {@code grpc_stream},
 *     {@code openai}, {@code explain}
 * @param id the client's request id, echoed (may be null)
 * @param version the requested model version (a variant name), or null for the model's default
 * @param parameters request parameters: String, Number or Boolean values ({@code latency_class}, {@code region},
 *     {@code priority}, {@code timeout}, {@code lane})
 * @param headers HTTP headers or gRPC metadata, names lower-case
 * @param remoteAddress the client's address, or null
 * @param transportTimeoutNanos a deadline the transport carries ({@code grpc-timeout}); 0: none
 * @param context the trace context of the door's server span
 * @param clientCertificate the names of the client certificate the TLS session verified, or null (none, plaintext)
 */
public record DoorRequest(String door, String id, String model, String version, List<String> texts,
    Map<String, Object> parameters, Map<String, String> headers, String remoteAddress, long transportTimeoutNanos,
    Context context, CertificateIdentity clientCertificate) {
  public DoorRequest {
    texts = List.copyOf(texts);
    parameters = parameters == null ? Map.of() : parameters;
    headers = headers == null ? Map.of() : headers;
    if (context == null) context = Context.root();
  }

  /** Without a client certificate. */
  public DoorRequest(String door, String id, String model, String version, List<String> texts,
      Map<String, Object> parameters, Map<String, String> headers, String remoteAddress, long transportTimeoutNanos,
      Context context) {
    this(door, id, model, version, texts, parameters, headers, remoteAddress, transportTimeoutNanos, context, null);
  }
}
