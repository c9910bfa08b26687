package dev.laneway.protocol;

/**
 * A message or tensor that does not follow the protocol: a truncated or over-long BYTES tensor, invalid UTF-8, an
 * empty text, an FP32 tensor whose shape and bytes disagree, a response without its output. The message names the
 * field at fault ({@code raw_input_contents[0][2]: invalid UTF-8}). A server door answers it as the client's error
 * (400, {@code INVALID_ARGUMENT}); a remote lane as its node failing. Cheap: no stack trace (it is thrown for every
 * malformed message that reaches a door).
 */
public final class OipFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OipFormatException(String message) {
    super(message, null, false, false);
  }
}
