package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireTest {
  @Test
  void bytesTensor_isLengthPrefixedLittleEndian() {
    assertArrayEquals(new byte[] {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}, Wire.encodeBytes(List.of("ab", "")));
  }

  @Test
  void bytesTensor_roundTripsUtf8() {
    List<String> texts = List.of("", "héllo", "你好，香港", "👍🏽 family 👨‍👩‍👧", "x".repeat(70_000));
    assertEquals(texts, Wire.decodeBytes(Wire.encodeBytes(texts)));
  }

  @Test
  void bytesTensor_rejectsTruncatedInput() {
    byte[] raw = Wire.encodeBytes(List.of("hello"));
    assertThrows(IllegalArgumentException.class, () -> Wire.decodeBytes(Arrays.copyOf(raw, raw.length - 1)));
    assertThrows(IllegalArgumentException.class, () -> Wire.decodeBytes(new byte[] {1, 0}));
  }

  @Test
  void fp32Tensor_roundTripsLittleEndian() {
    float[] v = {0f, -1.5f, 3.25e-8f, Float.MAX_VALUE};
    byte[] raw = Wire.encodeFp32(v);
    assertArrayEquals(new byte[] {0, 0, (byte) 0xc0, (byte) 0xbf}, Arrays.copyOfRange(raw, 4, 8));
    assertArrayEquals(v, Wire.decodeFp32(raw, 0, raw.length));
  }

  @Test
  void binaryBody_splitsAtTheHeaderLength() {
    Request r = new Request("m", "int8", List.of("a", "bc"), null, null, 5000);
    int[] len = new int[1];
    byte[] body = RestBinaryClient.body(r, len).getBytes();
    JsonObject header = new JsonObject(Wire.header(body, len[0]));
    byte[] tensor = Arrays.copyOfRange(body, len[0], body.length);
    assertEquals(tensor.length, header.getJsonArray("inputs").getJsonObject(0).getJsonObject("parameters")
        .getInteger("binary_data_size"));
    assertEquals(5000, header.getJsonObject("parameters").getLong("timeout"));
    assertEquals(List.of("a", "bc"), Wire.decodeBytes(tensor));
    assertThrows(IllegalArgumentException.class, () -> Wire.header(body, body.length + 1));
  }

  @Test
  void grpcRequest_carriesRawBytesAndTimeout() {
    var req = GrpcClients.request(new Request("m", null, List.of("你好"), "hk", "batch", 1000), "7");
    assertEquals("7", req.getId());
    assertEquals(List.of("你好"), Wire.decodeBytes(req.getRawInputContents(0).toByteArray()));
    assertEquals(1000, req.getParametersOrThrow("timeout").getInt64Param());
    assertEquals("", req.getModelVersion());
  }

  @Test
  void gatewayLog_portsAreFound() {
    String log = """
        2026-11-25 14:47:30 INFO topology embedded: 2 regions, 3 lanes
        2026-11-25 14:47:31 INFO Prometheus metrics on 127.0.0.1:40001 /metrics
        2026-11-25 14:47:33 INFO ready in 812 ms: HTTP on 127.0.0.1:41234, gRPC on 127.0.0.1:40121
        """;
    assertEquals(41234, GatewayProcess.httpPort(log));
    assertEquals(40121, GatewayProcess.grpcPort(log));
    assertEquals(-1, GatewayProcess.grpcPort("ready in 812 ms: HTTP on 127.0.0.1:41234"));
    assertEquals(40121, GatewayProcess.grpcPort("INFO OIP gRPC (HTTP/2) listening at 127.0.0.1:40121"));
    assertEquals(-1, GatewayProcess.httpPort("INFO OIP gRPC (HTTP/2) listening at 127.0.0.1:40121"));
    assertEquals(8000, GatewayProcess.httpPort("INFO REST listening: localhost:8000"));
    assertEquals(-1, GatewayProcess.httpPort("INFO Prometheus metrics at 127.0.0.1:9464/metrics"));
  }
}
