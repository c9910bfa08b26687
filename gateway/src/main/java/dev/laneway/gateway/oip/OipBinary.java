package dev.laneway.gateway.oip;

import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.protocol.Tensors;
import io.vertx.core.buffer.Buffer;

/**
 * Triton's {@code binary_tensor_data} extension on the REST door: a request whose {@code Inference-Header-Content-Length}
 * header says how many leading bytes are the JSON header; the tensor bytes follow, each input's share given by its
 * {@code binary_data_size} parameter. Responses in binary form are built by {@link OipJson#encodeInfer} followed by
 * {@link Tensors#encodeFp32}. Stateless; called on the event loop.
 */
public final class OipBinary {
  static final String HEADER_LENGTH = "inference-header-content-length";

  private OipBinary() {}

  /** A plain JSON body when {@code headerLength} is null, else the binary form split at the header's length. */
  public static OipJson.InferBody decode(Buffer body, String headerLength, int maxTexts) {
    if (headerLength == null) return OipJson.decodeInfer(body, maxTexts);
    long n;
    try {
      n = Long.parseLong(headerLength.trim());
    } catch (NumberFormatException e) {
      throw new GatewayException.BadRequest("Inference-Header-Content-Length: '" + headerLength
          + "' (expected: the JSON header's length in bytes)");
    }
    if (n < 0 || n > body.length()) {
      throw new GatewayException.BadRequest("Inference-Header-Content-Length: " + n + " but the body has "
          + body.length() + " bytes (truncated request?)");
    }
    return OipJson.decodeInfer(body.slice(0, (int) n), body.slice((int) n, body.length()), maxTexts);
  }
}
