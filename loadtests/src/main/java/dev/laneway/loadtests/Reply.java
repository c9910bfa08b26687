package dev.laneway.loadtests;

/**
 * What came back for one request. An answer is either a success ({@code error == null}) or a typed failure named by
 * {@code error} ({@code http-504}, {@code grpc-UNAVAILABLE}, {@code connect}, ...). The response parameters are null
 * when the gateway does not send them.
 *
 * @param executorMs time from lane submit to result as the gateway reports it ({@code executor_ms}, or
 *     {@code queue_ms + compute_ms} from gateways that predate it); NaN when absent
 */
public record Reply(String error, String lane, String device, String region, Boolean degraded, Boolean standIn,
    String cache, double executorMs, int vectors) {

  public static Reply failed(String error) {
    return new Reply(error, null, null, null, null, null, null, Double.NaN, 0);
  }

  public boolean ok() {
    return error == null;
  }
}
