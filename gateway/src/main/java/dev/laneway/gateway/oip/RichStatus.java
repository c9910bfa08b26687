package dev.laneway.gateway.oip;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * gRPC's rich error model on the wire: a {@code google.rpc.Status} whose details hold a {@code google.rpc.RetryInfo},
 * base64 for the {@code grpc-status-details-bin} trailer. Encoded by hand (three small messages) so the gateway needs
 * no extra protos; the tests decode it with {@code proto-google-common-protos}, as clients do
 * ({@code io.grpc.protobuf.StatusProto.fromThrowable}).
 */
final class RichStatus {
  private RichStatus() {}

  static final String RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

  /** {@code Status{code, message, details: [Any{RetryInfo{retry_delay: seconds}}]}}, base64 (standard, padded). */
  static String retryInfo(int code, String message, long retryDelaySeconds) {
    byte[] duration = message(out -> out.writeInt64(1, retryDelaySeconds)); // google.protobuf.Duration.seconds
    byte[] retryInfo = message(out -> out.writeByteArray(1, duration)); // RetryInfo.retry_delay
    byte[] any = message(out -> {
      out.writeString(1, RETRY_INFO_TYPE);
      out.writeBytes(2, ByteString.copyFrom(retryInfo));
    });
    byte[] status = message(out -> {
      out.writeInt32(1, code);
      out.writeString(2, message == null ? "" : message);
      out.writeByteArray(3, any);
    });
    return Base64.getEncoder().encodeToString(status);
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer w) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      w.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
