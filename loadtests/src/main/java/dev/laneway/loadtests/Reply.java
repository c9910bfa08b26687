package dev.laneway.loadtests;

/**
 * What came back for one request. An answer is either a success ({@code error == null}) or a typed failure named by
 * {@code error} ({@code http-504}, {@code grpc-UNAVAILABLE}, {@code connect}, ...). The response parameters are null
 * when the gateway does not send them.
 *
 * @param executorMs time from lane submit to result as the gateway reports it ({@code executor_ms}, or
 *     {@code queue_ms + compute_ms} from gateways that predate it); NaN when absent
 * @param spilledFrom the {@code spilled_from} parameter: the preferred lane routing spilled away from, or null
 * @param hedged the {@code hedged} parameter: true when a hedge was sent for this request; null when absent
 * @param retryAfter a failed HTTP answer that carried a {@code Retry-After} header
 * @param tokens the tokens of the request's texts as the answer reports them (OIP {@code token_counts} summed, OpenAI
 *     {@code usage.prompt_tokens}); 0 when absent
 * @param computedMs {@code queue_ms + compute_ms}: what the executor that computed the texts reports (a node's, for a
 *     remote lane); {@code executorMs} minus it is the lane's own overhead (tokenising, hand-offs, and for a remote
 *     lane the hop and the node's door). NaN when absent
 * @param queueMs {@code queue_ms}: how long the texts waited in the executor's queue before their batch ran (so
 *     {@code computedMs - queueMs} is the batch's compute); NaN when absent
 */
public record Reply(String error, String lane, String device, String region, Boolean degraded, Boolean standIn,
    String cache, double executorMs, int vectors, String spilledFrom, Boolean hedged, boolean retryAfter,
    long tokens, double computedMs, double queueMs) {

  /** A reply without the executor's own queue and compute times. */
  public Reply(String error, String lane, String device, String region, Boolean degraded, Boolean standIn,
      String cache, double executorMs, int vectors, String spilledFrom, Boolean hedged, boolean retryAfter,
      long tokens) {
    this(error, lane, device, region, degraded, standIn, cache, executorMs, vectors, spilledFrom, hedged, retryAfter,
        tokens, Double.NaN, Double.NaN);
  }

  /** A reply without token counts. */
  public Reply(String error, String lane, String device, String region, Boolean degraded, Boolean standIn,
      String cache, double executorMs, int vectors, String spilledFrom, Boolean hedged, boolean retryAfter) {
    this(error, lane, device, region, degraded, standIn, cache, executorMs, vectors, spilledFrom, hedged, retryAfter, 0);
  }

  /** A reply without the overload parameters (spilled_from, hedged) and no Retry-After. */
  public Reply(String error, String lane, String device, String region, Boolean degraded, Boolean standIn,
      String cache, double executorMs, int vectors) {
    this(error, lane, device, region, degraded, standIn, cache, executorMs, vectors, null, null, false);
  }

  public static Reply failed(String error) {
    return failed(error, false);
  }

  /** A failure; {@code retryAfter}: its HTTP answer carried a {@code Retry-After} header. */
  public static Reply failed(String error, boolean retryAfter) {
    return new Reply(error, null, null, null, null, null, null, Double.NaN, 0, null, null, retryAfter);
  }

  public boolean ok() {
    return error == null;
  }
}
