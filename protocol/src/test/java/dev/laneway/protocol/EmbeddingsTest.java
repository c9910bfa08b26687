package dev.laneway.protocol;

import static dev.laneway.protocol.TensorsTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.laneway.oip.InferTensorContents;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both directions of a {@code ModelInfer}: what a client encodes the server decodes, and back. */
class EmbeddingsTest {
  static final float[][] VECTORS = {{0.5f, -0.25f, 1f}, {0f, 1e-7f, -3f}};

  @Test
  void request_roundTrips_raw() {
    ModelInferRequest r = Embeddings.request("m", "int8", List.of("héllo", "世界")).setId("7").build();
    assertEquals("m", r.getModelName());
    assertEquals("int8", r.getModelVersion());
    assertEquals(Oip.INPUT, r.getInputs(0).getName());
    assertEquals(Oip.BYTES, r.getInputs(0).getDatatype());
    assertEquals(List.of(2L), r.getInputs(0).getShapeList());
    assertTrue(Embeddings.raw(r));
    assertEquals(List.of("héllo", "世界"), Embeddings.texts(r, 2));
    assertEquals("", Embeddings.request("m", null, List.of("x")).build().getModelVersion());
  }

  @Test
  void request_typedBytesContents_decode() {
    ModelInferRequest r = ModelInferRequest.newBuilder().setModelName("m")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(Oip.INPUT).setDatatype(Oip.BYTES)
            .addShape(2).setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("a"))
                .addBytesContents(ByteString.copyFromUtf8("bé"))))
        .build();
    assertFalse(Embeddings.raw(r));
    assertEquals(List.of("a", "bé"), Embeddings.texts(r, 2));
    assertRefused("inputs[0].contents.bytes_contents: 2 elements, shape says 3", () -> Embeddings.texts(r, 3));
    ModelInferRequest numeric = r.toBuilder().setInputs(0, r.getInputs(0).toBuilder()
        .setContents(r.getInputs(0).getContents().toBuilder().addFp32Contents(1))).build();
    assertRefused("inputs[0].contents: numeric contents", () -> Embeddings.texts(numeric, 2));
    ModelInferRequest both = r.toBuilder().addRawInputContents(ByteString.copyFrom(Tensors.encodeBytes(List.of("a"))))
        .build();
    assertRefused("inputs[0]: both contents and raw_input_contents", () -> Embeddings.texts(both, 1));
    ModelInferRequest twoRaw = Embeddings.request("m", null, List.of("a")).addRawInputContents(ByteString.EMPTY)
        .build();
    assertRefused("raw_input_contents: 2 entries (expected: one per input, 1)", () -> Embeddings.texts(twoRaw, 1));
  }

  @Test
  void response_roundTrips_rawAndTyped() {
    for (boolean raw : new boolean[] {true, false}) {
      ModelInferResponse r = Embeddings.response("m", "fp32", "id", VECTORS, raw).build();
      assertEquals(raw, r.getRawOutputContentsCount() == 1, "raw when asked raw");
      assertEquals(raw, r.getOutputs(0).getContents().getFp32ContentsCount() == 0);
      assertEquals(List.of(2L, 3L), r.getOutputs(0).getShapeList());
      assertEquals(Oip.OUTPUT, r.getOutputs(0).getName());
      float[][] back = Embeddings.vectors(r, 2);
      for (int i = 0; i < VECTORS.length; i++) assertArrayEquals(VECTORS[i], back[i]);
    }
  }

  @Test
  void vectors_refusesMalformedAnswers() {
    ModelInferResponse good = Embeddings.response("m", "fp32", "", VECTORS, true).build();
    assertRefused("outputs: none", () -> Embeddings.vectors(good.toBuilder().clearOutputs().build(), 2));
    assertRefused("outputs[0].shape: [2, 3] (expected: [3, dim])", () -> Embeddings.vectors(good, 3));
    assertRefused("outputs[0].shape: [2]", () -> Embeddings.vectors(good.toBuilder()
        .setOutputs(0, good.getOutputs(0).toBuilder().clearShape().addShape(2)).build(), 2));
    assertRefused("raw_output_contents[0]: 20 bytes", () -> Embeddings.vectors(good.toBuilder()
        .setRawOutputContents(0, good.getRawOutputContents(0).substring(4)).build(), 2));
    assertRefused("outputs[0].datatype: 'FP16'", () -> Embeddings.vectors(good.toBuilder()
        .setOutputs(0, good.getOutputs(0).toBuilder().setDatatype("FP16")).build(), 2));
    ModelInferResponse typed = Embeddings.response("m", "fp32", "", VECTORS, false).build();
    assertRefused("outputs[0].contents.fp32_contents: 5 values", () -> Embeddings.vectors(typed.toBuilder()
        .setOutputs(0, typed.getOutputs(0).toBuilder().setContents(typed.getOutputs(0).getContents().toBuilder()
            .clearFp32Contents().addAllFp32Contents(List.of(1f, 2f, 3f, 4f, 5f)))).build(), 2));
  }

  @Test
  void tokenCounts_roundTrip_andAreZerosWhenMalformed() {
    assertEquals("4,0,12", TokenCounts.encode(new int[] {4, 0, 12}));
    assertArrayEquals(new int[] {4, 0, 12}, TokenCounts.decode("4,0,12", 3));
    assertArrayEquals(new int[] {4, 5}, TokenCounts.decode(" 4, 5", 2));
    for (String bad : new String[] {null, "", "4", "4,5,6", "4,x", "4,-1", "4,", ",4", "99999999999,1"}) {
      assertArrayEquals(new int[2], TokenCounts.decode(bad, 2), String.valueOf(bad));
    }
  }

  @Test
  void parameters_roundTripJavaValues() {
    for (Object v : List.of(true, 7L, "s", 0.5)) assertEquals(v, Parameters.value(Parameters.of(v)));
    assertEquals(7L, Parameters.value(Parameters.of(7)));
    assertEquals(0.25, Parameters.value(Parameters.of(0.25f)));
    var p = java.util.Map.of("q", Parameters.of(1.5), "n", Parameters.of(3), "s", Parameters.of("x"),
        "b", Parameters.of(true));
    assertEquals(1.5, Parameters.number(p, "q"));
    assertEquals(3, Parameters.number(p, "n"));
    assertEquals(0, Parameters.number(p, "s"));
    assertEquals("x", Parameters.string(p, "s", "f"));
    assertEquals("f", Parameters.string(p, "missing", "f"));
    assertTrue(Parameters.bool(p, "b"));
    assertFalse(Parameters.bool(p, "s"));
    assertEquals(java.util.Map.of("q", 1.5, "n", 3L, "s", "x", "b", true), Parameters.toJava(p));
  }
}
