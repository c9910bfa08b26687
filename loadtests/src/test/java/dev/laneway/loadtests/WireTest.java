package dev.laneway.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.laneway.protocol.Tensors;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireTest {
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
    assertEquals(List.of("a", "bc"), Tensors.decodeBytes(ByteBuffer.wrap(tensor), 2, "t"));
    assertThrows(IllegalArgumentException.class, () -> Wire.header(body, body.length + 1));
  }

  @Test
  void grpcRequest_carriesRawBytesAndTimeout() {
    var req = GrpcClients.request(new Request("m", null, List.of("你好"), "hk", "batch", 1000), "7");
    assertEquals("7", req.getId());
    assertEquals(List.of("你好"), Tensors.decodeBytes(req.getRawInputContents(0).asReadOnlyByteBuffer(), 1, "t"));
    assertEquals("embedding", req.getOutputs(0).getName());
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
    String ready = "ready in 812 ms: HTTP on 127.0.0.1:41234, gRPC on 127.0.0.1:40121, metrics on 127.0.0.1:40122/metrics, "
        + "admin on 127.0.0.1:40123";
    assertEquals(41234, GatewayProcess.httpPort(ready));
    assertEquals(40123, GatewayProcess.adminPort(ready));
    assertEquals(-1, GatewayProcess.adminPort(log));
  }
}
