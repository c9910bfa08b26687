package dev.laneway.protocol;

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
 * Tensor bytes as the binary forms carry them (REST's {@code binary_tensor_data} extension, gRPC's
 * {@code raw_input_contents} / {@code raw_output_contents}, Triton's layouts): a BYTES tensor is each element as a
 * 4-byte little-endian length followed by its bytes; an FP32 tensor is little-endian floats, row-major. Both
 * directions live here, so the server doors and the remote lanes' client cannot disagree.
 *
 * <p>Decoding is strict, since the bytes come from outside: lengths must add up exactly, a text must be non-empty,
 * valid UTF-8 (a text-embedding model's input), and an FP32 tensor's bytes must be exactly its shape's; every problem
 * is an {@link OipFormatException} naming {@code where}, never another exception, and the work is bounded by the
 * bytes given (nothing is allocated from a length the bytes do not back).
 *
 * <pre>{@code
 * byte[] raw = Tensors.encodeBytes(List.of("hello", "世界"));
 * Tensors.decodeBytes(ByteBuffer.wrap(raw), 2, "raw_input_contents[0]");   // [hello, 世界]
 * }</pre>
 *
 * <p>Stateless; any thread.
 */
public final class Tensors {
  private Tensors() {}

  /** The texts as a serialized BYTES tensor. */
  public static byte[] encodeBytes(List<String> texts) {
    List<byte[]> parts = new ArrayList<>(texts.size());
    int size = 0;
    for (String t : texts) {
      byte[] p = t.getBytes(StandardCharsets.UTF_8);
      parts.add(p);
      size = Math.addExact(size, 4 + p.length);
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] p : parts) b.putInt(p.length).put(p);
    return b.array();
  }

  /**
   * The texts of a serialized BYTES tensor that must hold exactly {@code expected} elements, each a non-empty valid
   * UTF-8 text. Reads {@code raw} from its position to its limit without moving either.
   *
   * @throws OipFormatException naming {@code where} (and the element) at fault
   */
  public static List<String> decodeBytes(ByteBuffer raw, long expected, String where) {
    ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<String> out = new ArrayList<>((int) Math.max(0, Math.min(expected, 1024)));
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

  /**
   * One element as a non-empty, valid UTF-8 text.
   *
   * @throws OipFormatException naming {@code where}
   */
  public static String text(ByteBuffer bytes, String where) {
    if (!bytes.hasRemaining()) throw bad(where + ": empty text (expected: at least one character)");
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer c = d.decode(bytes.duplicate());
      return c.toString();
    } catch (CharacterCodingException e) {
      throw bad(where + ": invalid UTF-8");
    }
  }

  /** Row-major little-endian FP32 of {@code [N, dim]} vectors (every row {@code dim} long). */
  public static byte[] encodeFp32(float[][] vectors) {
    int dim = vectors.length == 0 ? 0 : vectors[0].length;
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(vectors.length, dim), Float.BYTES))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float[] v : vectors) {
      if (v.length != dim) {
        throw new IllegalArgumentException("vectors: a row of " + v.length + " values (expected: " + dim + ")");
      }
      for (float x : v) b.putFloat(x);
    }
    return b.array();
  }

  /**
   * The {@code [rows, dim]} vectors of a serialized FP32 tensor, which must be exactly {@code rows × dim × 4} bytes
   * ({@code dim} at least 1). Reads {@code raw} from its position to its limit without moving either.
   *
   * @throws OipFormatException naming {@code where}
   */
  public static float[][] decodeFp32(ByteBuffer raw, long rows, long dim, String where) {
    checkShape(rows, dim, where);
    long bytes = rows * dim * Float.BYTES;
    if (raw.remaining() != bytes) {
      throw bad(where + ": " + raw.remaining() + " bytes for an FP32 tensor of shape [" + rows + ", " + dim
          + "] (expected: " + bytes + ")");
    }
    ByteBuffer b = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
    float[][] out = new float[(int) rows][(int) dim];
    for (float[] v : out) {
      for (int j = 0; j < v.length; j++) v[j] = b.getFloat();
    }
    return out;
  }

  /**
   * The {@code [rows, dim]} vectors of a typed FP32 tensor ({@code fp32_contents}, flat and row-major), which must hold
   * exactly {@code rows × dim} values.
   *
   * @throws OipFormatException naming {@code where}
   */
  public static float[][] decodeFp32(List<Float> values, long rows, long dim, String where) {
    checkShape(rows, dim, where);
    if (values.size() != rows * dim) {
      throw bad(where + ": " + values.size() + " values for an FP32 tensor of shape [" + rows + ", " + dim
          + "] (expected: " + rows * dim + ")");
    }
    float[][] out = new float[(int) rows][(int) dim];
    int k = 0;
    for (float[] v : out) {
      for (int j = 0; j < v.length; j++) v[j] = values.get(k++);
    }
    return out;
  }

  private static void checkShape(long rows, long dim, String where) {
    // dim >= 1 bounds rows by the bytes (or values) given: no allocation a short message does not back
    if (rows < 0 || dim < 1 || dim > Integer.MAX_VALUE / Float.BYTES || rows > Integer.MAX_VALUE / dim / Float.BYTES) {
      throw bad(where + ": shape [" + rows + ", " + dim + "] (expected: [N, dim], N >= 0, dim >= 1)");
    }
  }

  private static OipFormatException bad(String message) {
    return new OipFormatException(message);
  }
}
