package dev.laneway.gateway;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tensor bytes as the binary doors carry them (REST's {@code binary_tensor_data} extension and gRPC's
 * {@code raw_input_contents} / {@code raw_output_contents}): a BYTES tensor is each element as a 4-byte little-endian
 * length followed by its bytes; FP32 is little-endian floats, row-major. Decoding is strict: lengths must add up
 * exactly and text must be valid UTF-8; every problem is a {@link GatewayException.BadRequest} naming {@code where}.
 * Stateless; any thread.
 */
final class Tensors {
  private Tensors() {}

  /** The texts of a serialized BYTES tensor that must hold exactly {@code expected} elements. */
  static List<String> decodeBytes(ByteBuffer raw, long expected, String where) {
    ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<String> out = new ArrayList<>((int) Math.min(expected, 1024));
    while (b.hasRemaining()) {
      if (out.size() >= expected) {
        throw bad(where + ": more data than shape says (" + expected + " elements, " + b.remaining()
            + " bytes left over)");
      }
      if (b.remaining() < 4) {
        throw bad(where + "[" + out.size() + "]: truncated length prefix (" + b.remaining() + " bytes, expected: 4)");
      }
      int len = b.getInt();
      if (len < 0 || len > b.remaining()) {
        throw bad(where + "[" + out.size() + "]: length " + Integer.toUnsignedString(len) + " but only "
            + b.remaining() + " bytes left (truncated element)");
      }
      ByteBuffer element = b.slice(b.position(), len);
      b.position(b.position() + len);
      out.add(text(element, where + "[" + out.size() + "]"));
    }
    if (out.size() != expected) {
      throw bad(where + ": " + out.size() + " elements, shape says " + expected);
    }
    return out;
  }

  /** One element as a non-empty, valid UTF-8 text. */
  static String text(ByteBuffer bytes, String where) {
    if (!bytes.hasRemaining()) throw bad(where + ": empty text (expected: at least one character)");
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer c = d.decode(bytes);
      return c.toString();
    } catch (CharacterCodingException e) {
      throw bad(where + ": invalid UTF-8");
    }
  }

  /** The texts as a serialized BYTES tensor. */
  static byte[] encodeBytes(List<String> texts) {
    List<byte[]> parts = new ArrayList<>(texts.size());
    int size = 0;
    for (String t : texts) {
      byte[] p = t.getBytes(StandardCharsets.UTF_8);
      parts.add(p);
      size += 4 + p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] p : parts) b.putInt(p.length).put(p);
    return b.array();
  }

  /** Row-major little-endian FP32 of {@code [N, dim]} vectors. */
  static byte[] encodeFp32(float[][] vectors) {
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    ByteBuffer b = ByteBuffer.allocate(vectors.length * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] v : vectors) {
      for (float x : v) b.putFloat(x);
    }
    return b.array();
  }

  private static GatewayException.BadRequest bad(String message) {
    return new GatewayException.BadRequest(message);
  }
}
