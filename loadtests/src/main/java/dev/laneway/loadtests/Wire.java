package dev.laneway.loadtests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The framing of Triton's REST binary extension ({@code binary_tensor_data}): a binary body is the JSON header
 * followed by the tensors, the header's length in {@code Inference-Header-Content-Length}. The tensors themselves are
 * {@code dev.laneway.protocol.Tensors}' (the same codecs the gateway's doors use). Pure functions; safe from any
 * thread.
 */
public final class Wire {
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private Wire() {}

  /** A binary REST body: {@code header} (JSON, UTF-8) then each tensor's bytes, in order. */
  public static byte[] body(String header, List<byte[]> tensors) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    int total = h.length;
    for (byte[] t : tensors) total += t.length;
    ByteBuffer buf = ByteBuffer.allocate(total);
    buf.put(h);
    for (byte[] t : tensors) buf.put(t);
    return buf.array();
  }

  /** The JSON header of a binary body whose header is {@code headerLength} bytes long. */
  public static String header(byte[] body, int headerLength) {
    if (headerLength < 0 || headerLength > body.length) {
      throw new IllegalArgumentException(HEADER_LENGTH + ": " + headerLength + " (expected: 0.." + body.length + ")");
    }
    return new String(body, 0, headerLength, StandardCharsets.UTF_8);
  }
}
