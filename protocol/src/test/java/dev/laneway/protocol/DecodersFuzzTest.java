package dev.laneway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decoders that face the outside (a server door decodes what clients send; a remote lane decodes what a node
 * answers), fed seeded random bytes and mutations of valid messages: each either decodes or throws
 * {@link OipFormatException} with a message, never another exception and never a hang (every test has a timeout, and
 * a decoder's work is bounded by its input). Seeded, so a failure reproduces.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DecodersFuzzTest {
  static final int ROUNDS = 5000;

  static byte[] mutate(byte[] valid, Random r) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits && b.length > 0; i++) {
      switch (r.nextInt(4)) {
        case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        case 1 -> b = Arrays.copyOf(b, Math.max(0, b.length - 1 - r.nextInt(Math.max(1, b.length / 4))));
        case 2 -> {
          byte[] c = Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
          for (int j = b.length; j < c.length; j++) c[j] = (byte) r.nextInt(256);
          b = c;
        }
        default -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
      }
    }
    return b;
  }

  static byte[] random(Random r, int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    return b;
  }

  /** Runs a decode: it may succeed; if it throws, only the typed error with a message. */
  static boolean typedOrOk(Runnable decode) {
    try {
      decode.run();
      return true;
    } catch (OipFormatException expected) {
      assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
      return false;
    }
  }

  @Test
  void bytesTensor() {
    Random r = new Random(11);
    byte[] valid = Tensors.encodeBytes(List.of("héllo", "世界", "x"));
    int decoded = 0;
    for (int i = 0; i < ROUNDS; i++) {
      byte[] in = r.nextBoolean() ? mutate(valid, r) : random(r, 64);
      long expected = r.nextInt(6) - 1; // -1 .. 4, a shape from a hostile request
      if (typedOrOk(() -> Tensors.decodeBytes(ByteBuffer.wrap(in), expected, "t"))) decoded++;
    }
    assertTrue(decoded > 0, "some mutations still decode (the fuzz reaches past the first check)");
  }

  @Test
  void fp32Tensor() {
    Random r = new Random(12);
    for (int i = 0; i < ROUNDS; i++) {
      byte[] in = random(r, 96);
      long rows = r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(5) - 1;
      long dim = r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(9) - 1;
      typedOrOk(() -> Tensors.decodeFp32(ByteBuffer.wrap(in), rows, dim, "t"));
      List<Float> values = new java.util.ArrayList<>();
      for (int k = 0; k < in.length / 4; k++) values.add(r.nextFloat());
      typedOrOk(() -> Tensors.decodeFp32(values, rows, dim, "t"));
    }
  }

  @Test
  void requestsAsAServerDoorSeesThem() {
    Random r = new Random(13);
    byte[] raw = Embeddings.request("m", "int8", List.of("a", "bé")).setId("1").build().toByteArray();
    byte[] typed = ModelInferRequest.newBuilder().setModelName("m")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(Oip.INPUT).setDatatype(Oip.BYTES).addShape(2)
            .setContents(dev.laneway.oip.InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("a"))
                .addBytesContents(ByteString.copyFromUtf8("bé"))))
        .build().toByteArray();
    int parsed = 0;
    for (int i = 0; i < ROUNDS; i++) {
      for (byte[] valid : List.of(raw, typed)) {
        ModelInferRequest req;
        try {
          req = ModelInferRequest.parseFrom(mutate(valid, r));
        } catch (InvalidProtocolBufferException e) {
          continue; // the gRPC layer refuses it before a door sees it
        }
        if (req.getInputsCount() < 1) continue; // the door checks the input's presence first
        parsed++;
        long n = req.getInputs(0).getShapeCount() > 0 ? Math.min(req.getInputs(0).getShape(0), 64) : 1;
        typedOrOk(() -> Embeddings.texts(req, n));
      }
    }
    assertTrue(parsed > ROUNDS / 10, "enough mutations parse to reach the decoder: " + parsed);
  }

  @Test
  void answersAsARemoteLaneSeesThem() {
    Random r = new Random(14);
    float[][] v = {{0.5f, -1f, 2f}, {0f, 1f, 0.25f}};
    List<byte[]> valid = List.of(Embeddings.response("m", "fp32", "", v, true).build().toByteArray(),
        Embeddings.response("m", "fp32", "", v, false).build().toByteArray());
    int parsed = 0;
    int decoded = 0;
    for (int i = 0; i < ROUNDS; i++) {
      for (byte[] b : valid) {
        ModelInferResponse resp;
        try {
          resp = ModelInferResponse.parseFrom(r.nextInt(8) == 0 ? random(r, 80) : mutate(b, r));
        } catch (InvalidProtocolBufferException e) {
          continue;
        }
        parsed++;
        if (typedOrOk(() -> {
          float[][] out = Embeddings.vectors(resp, 2);
          assertEquals(2, out.length);
        })) {
          decoded++;
        }
        typedOrOk(() -> TokenCounts.decode(Parameters.string(resp.getParametersMap(), Oip.TOKEN_COUNTS, null), 2));
      }
    }
    assertTrue(parsed > ROUNDS / 10 && decoded > 0, "parsed " + parsed + ", decoded " + decoded);
  }

  @Test
  void tokenCounts_neverThrow() {
    Random r = new Random(15);
    for (int i = 0; i < ROUNDS; i++) {
      String s = new String(random(r, 24), java.nio.charset.StandardCharsets.ISO_8859_1);
      int n = r.nextInt(4);
      assertEquals(n, TokenCounts.decode(r.nextBoolean() ? s : s.replaceAll("[^0-9]", ","), n).length);
    }
  }
}
