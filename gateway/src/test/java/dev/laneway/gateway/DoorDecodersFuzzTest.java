package dev.laneway.gateway;

import dev.laneway.gateway.oip.OipBinary;
import dev.laneway.gateway.oip.OipProto;

import dev.laneway.gateway.openai.OpenAiApi;
import dev.laneway.gateway.pipeline.GatewayException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.protocol.Tensors;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The doors' decoders that face the outside (the tensor codecs alone are fuzzed in {@code protocol}'s
 * {@code DecodersFuzzTest}), fed mutated valid requests: each either decodes or throws the typed bad-request
 * error — never another exception (which would become a 500). Seeded, so a failure reproduces.
 */
class DoorDecodersFuzzTest {
  static final int ROUNDS = 3000;

  static byte[] mutate(byte[] valid, Random r) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits; i++) {
      switch (r.nextInt(3)) {
        case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        case 1 -> b = java.util.Arrays.copyOf(b, Math.max(0, b.length - 1 - r.nextInt(Math.max(1, b.length / 4))));
        default -> {
          byte[] c = java.util.Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
          for (int j = b.length; j < c.length; j++) c[j] = (byte) r.nextInt(256);
          b = c;
        }
      }
      if (b.length == 0) return b;
    }
    return b;
  }

  static void typedOrOk(Runnable decode) {
    try {
      decode.run();
    } catch (GatewayException.BadRequest | OpenAiApi.ParamError expected) {
      assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
    }
  }

  @Test
  void restJsonAndBinary() {
    Random r = new Random(2);
    List<String> texts = List.of("a", "bé");
    byte[] tensor = Tensors.encodeBytes(texts);
    byte[] binary = Doors.binaryRequest(texts, tensor);
    int header = Doors.headerLength(texts, tensor);
    byte[] json = Doors.oipJson(texts).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < ROUNDS; i++) {
      byte[] mj = mutate(json, r);
      typedOrOk(() -> OipBinary.decode(Buffer.buffer(mj), null, 16));
      byte[] mb = mutate(binary, r);
      String h = r.nextInt(4) == 0 ? Integer.toString(r.nextInt(mb.length + 5) - 2) : Integer.toString(header);
      typedOrOk(() -> OipBinary.decode(Buffer.buffer(mb), h, 16));
    }
  }

  @Test
  void grpcMessages() {
    Random r = new Random(3);
    byte[] typed = OipGrpcTest.typed("m", "1", "a", "bé").toByteArray();
    byte[] raw = OipGrpcTest.raw("m", "1", "a", "bé").toByteArray();
    for (int i = 0; i < ROUNDS; i++) {
      for (byte[] valid : List.of(typed, raw)) {
        byte[] m = mutate(valid, r);
        ModelInferRequest req;
        try {
          req = ModelInferRequest.parseFrom(ByteString.copyFrom(m));
        } catch (InvalidProtocolBufferException e) {
          continue; // the gRPC layer refuses it before the door sees it
        }
        typedOrOk(() -> OipProto.decode(req, 16));
      }
    }
  }

  @Test
  void openAiBodies() {
    Random r = new Random(4);
    byte[] valid = "{\"model\":\"m\",\"input\":[\"a\",\"bé\"],\"encoding_format\":\"base64\",\"dimensions\":384,\"user\":\"u\"}"
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < ROUNDS; i++) {
      byte[] m = mutate(valid, r);
      typedOrOk(() -> OpenAiApi.decode(Buffer.buffer(m), 16));
    }
  }
}
