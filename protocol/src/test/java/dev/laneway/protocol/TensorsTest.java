package dev.laneway.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The raw tensor layouts: exact bytes, round trips, and each malformed form refused with a message naming it. */
class TensorsTest {
  @Test
  void bytes_isLengthPrefixedLittleEndian() {
    assertArrayEquals(new byte[] {2, 0, 0, 0, 'a', 'b', 1, 0, 0, 0, 'c'}, Tensors.encodeBytes(List.of("ab", "c")));
  }

  @Test
  void bytes_roundTripsUtf8() {
    List<String> texts = List.of("héllo", "你好，香港", "👍🏽 family 👨‍👩‍👧", "x".repeat(70_000));
    assertEquals(texts, Tensors.decodeBytes(ByteBuffer.wrap(Tensors.encodeBytes(texts)), texts.size(), "t"));
  }

  @Test
  void bytes_decodeLeavesTheBufferAsItWas() {
    ByteBuffer b = ByteBuffer.wrap(Tensors.encodeBytes(List.of("a", "b")));
    Tensors.decodeBytes(b, 2, "t");
    assertEquals(0, b.position());
    assertEquals(List.of("a", "b"), Tensors.decodeBytes(b, 2, "t"));
  }

  @Test
  void bytes_refusesEveryMalformedForm_namingTheElement() {
    byte[] two = Tensors.encodeBytes(List.of("abc", "defg"));
    assertRefused("t[1]: length 4 but only 3 bytes left (truncated element)",
        () -> Tensors.decodeBytes(ByteBuffer.wrap(Arrays.copyOf(two, two.length - 1)), 2, "t"));
    assertRefused("t[1]: truncated length prefix (2 bytes, expected: 4)",
        () -> Tensors.decodeBytes(ByteBuffer.wrap(Arrays.copyOf(two, 9)), 2, "t"));
    assertRefused("t: more data than shape says (1 elements, 8 bytes left over)",
        () -> Tensors.decodeBytes(ByteBuffer.wrap(two), 1, "t"));
    assertRefused("t: 2 elements, shape says 3", () -> Tensors.decodeBytes(ByteBuffer.wrap(two), 3, "t"));
    assertRefused("t[0]: empty text", () -> Tensors.decodeBytes(ByteBuffer.wrap(new byte[4]), 1, "t"));
    assertRefused("t[0]: invalid UTF-8",
        () -> Tensors.decodeBytes(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, (byte) 0xff}), 1, "t"));
    assertRefused("t[0]: length 4294967295",
        () -> Tensors.decodeBytes(ByteBuffer.wrap(new byte[] {-1, -1, -1, -1, 'a'}), 1, "t"));
  }

  @Test
  void fp32_isRowMajorLittleEndian_andRoundTrips() {
    float[][] v = {{0f, -1.5f}, {3.25e-8f, Float.MAX_VALUE}};
    byte[] raw = Tensors.encodeFp32(v);
    assertEquals(16, raw.length);
    assertArrayEquals(new byte[] {0, 0, (byte) 0xc0, (byte) 0xbf}, Arrays.copyOfRange(raw, 4, 8));
    float[][] back = Tensors.decodeFp32(ByteBuffer.wrap(raw), 2, 2, "t");
    for (int i = 0; i < v.length; i++) assertArrayEquals(v[i], back[i]);
    float[][] typed = Tensors.decodeFp32(List.of(0f, -1.5f, 3.25e-8f, Float.MAX_VALUE), 2, 2, "t");
    for (int i = 0; i < v.length; i++) assertArrayEquals(v[i], typed[i]);
    assertEquals(0, Tensors.decodeFp32(ByteBuffer.allocate(0), 0, 384, "t").length);
  }

  @Test
  void fp32_refusesBytesOrValuesThatDisagreeWithTheShape() {
    byte[] raw = Tensors.encodeFp32(new float[][] {{1, 2, 3}});
    assertRefused("t: 12 bytes for an FP32 tensor of shape [1, 4] (expected: 16)",
        () -> Tensors.decodeFp32(ByteBuffer.wrap(raw), 1, 4, "t"));
    assertRefused("t: 11 bytes", () -> Tensors.decodeFp32(ByteBuffer.wrap(raw, 0, 11), 1, 3, "t"));
    assertRefused("t: 2 values for an FP32 tensor of shape [1, 3]", () -> Tensors.decodeFp32(List.of(1f, 2f), 1, 3, "t"));
    assertRefused("t: shape [1, 0]", () -> Tensors.decodeFp32(ByteBuffer.allocate(0), 1, 0, "t"));
    assertRefused("t: shape [-1, 3]", () -> Tensors.decodeFp32(ByteBuffer.allocate(0), -1, 3, "t"));
    assertRefused("t: shape [2147483647, 2147483647]",
        () -> Tensors.decodeFp32(ByteBuffer.allocate(0), Integer.MAX_VALUE, Integer.MAX_VALUE, "t"));
  }

  @Test
  void fp32_encodeRefusesRaggedRows() {
    assertThrows(IllegalArgumentException.class, () -> Tensors.encodeFp32(new float[][] {{1, 2}, {3}}));
  }

  static void assertRefused(String messageStart, Runnable decode) {
    OipFormatException e = assertThrows(OipFormatException.class, decode::run);
    assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
  }
}
