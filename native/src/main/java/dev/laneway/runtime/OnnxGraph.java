package dev.laneway.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an ONNX model's operator types without loading it into ONNX Runtime: a minimal reader of the protobuf wire
 * format that walks {@code ModelProto.graph} (field 7) → {@code GraphProto.node} (1) → {@code NodeProto.op_type} (4),
 * and into subgraphs held by node attributes ({@code AttributeProto.g} (6) and {@code graphs} (11)), as onnx.proto3
 * numbers them. Everything else is skipped by wire type. Used by admission to a specialised lane.
 *
 * <p>Stateless; safe from any thread.
 */
public final class OnnxGraph {
  private OnnxGraph() {}

  public static Set<String> operators(Path model) {
    try {
      return operators(Files.readAllBytes(model));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The distinct operator types ({@code MatMulInteger}, {@code Gather}, …) of a serialised ModelProto, sorted. */
  public static Set<String> operators(byte[] model) {
    Set<String> ops = new TreeSet<>();
    Reader r = new Reader(model, 0, model.length);
    while (r.more()) {
      int tag = r.varint32();
      if (tag >>> 3 == 7 && (tag & 7) == 2) {
        graph(r.sub(), ops);
      } else {
        r.skip(tag & 7);
      }
    }
    return ops;
  }

  private static void graph(Reader r, Set<String> ops) {
    while (r.more()) {
      int tag = r.varint32();
      if (tag >>> 3 == 1 && (tag & 7) == 2) {
        node(r.sub(), ops);
      } else {
        r.skip(tag & 7);
      }
    }
  }

  private static void node(Reader r, Set<String> ops) {
    while (r.more()) {
      int tag = r.varint32();
      int field = tag >>> 3;
      if (field == 4 && (tag & 7) == 2) {
        ops.add(r.string());
      } else if (field == 5 && (tag & 7) == 2) {
        attribute(r.sub(), ops);
      } else {
        r.skip(tag & 7);
      }
    }
  }

  private static void attribute(Reader r, Set<String> ops) {
    while (r.more()) {
      int tag = r.varint32();
      int field = tag >>> 3;
      if ((field == 6 || field == 11) && (tag & 7) == 2) {
        graph(r.sub(), ops);
      } else {
        r.skip(tag & 7);
      }
    }
  }

  /** A cursor over one length-delimited region of the buffer. */
  private static final class Reader {
    private final byte[] b;
    private int pos;
    private final int end;

    Reader(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) throw new IllegalArgumentException("ONNX model: truncated varint at byte " + pos);
        byte x = b[pos++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) return v;
      }
      throw new IllegalArgumentException("ONNX model: malformed varint at byte " + pos);
    }

    int varint32() {
      return (int) varint();
    }

    Reader sub() {
      long len = varint();
      if (len < 0 || pos + len > end) throw new IllegalArgumentException("ONNX model: bad length " + len + " at byte " + pos);
      Reader r = new Reader(b, pos, pos + (int) len);
      pos += (int) len;
      return r;
    }

    String string() {
      Reader s = sub();
      return new String(b, s.pos, s.end - s.pos, java.nio.charset.StandardCharsets.UTF_8);
    }

    void skip(int wireType) {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> sub();
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("ONNX model: wire type " + wireType + " at byte " + pos);
      }
      if (pos > end) throw new IllegalArgumentException("ONNX model: truncated at byte " + end);
    }
  }
}
