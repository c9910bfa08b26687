package dev.laneway.loadtests;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Triton's raw tensor encodings, shared by the REST binary extension ({@code binary_tensor_data}) and gRPC
 * {@code raw_input_contents}: a BYTES tensor is each element as a 4-byte little-endian length then its bytes; an FP32
 * tensor is little-endian floats, row-major. A binary REST body is the JSON header followed by the tensors, the
 * header's length in {@code Inference-Header-Content-Length}. Pure functions; safe from any thread.
 */
public final class Wire {
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private Wire() {}

  public static byte[] encodeBytes(List<String> texts) {
    List<byte[]> parts = new ArrayList<>(texts.size());
    int total = 0;
    for (String t : texts) {
      byte[] b = t.getBytes(StandardCharsets.UTF_8);
      parts.add(b);
      total += 4 + b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] b : parts) {
      buf.putInt(b.length).put(b);
    }
    return buf.array();
  }

  public static List<String> decodeBytes(byte[] raw) {
    ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    List<String> out = new ArrayList<>();
    while (buf.hasRemaining()) {
      if (buf.remaining() < 4) throw new IllegalArgumentException("BYTES tensor: " + buf.remaining() + " trailing bytes (expected: a 4-byte length)");
      int n = buf.getInt();
      if (n < 0 || n > buf.remaining()) throw new IllegalArgumentException("BYTES tensor: element length " + n + " (expected: 0.." + buf.remaining() + ")");
      byte[] b = new byte[n];
      buf.get(b);
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }

  public static byte[] encodeFp32(float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) buf.putFloat(v);
    return buf.array();
  }

  public static float[] decodeFp32(byte[] raw, int offset, int length) {
    if (length % 4 != 0) throw new IllegalArgumentException("FP32 tensor: " + length + " bytes (expected: a multiple of 4)");
    ByteBuffer buf = ByteBuffer.wrap(raw, offset, length).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[length / 4];
    for (int i = 0; i < out.length; i++) out[i] = buf.getFloat();
    return out;
  }

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
