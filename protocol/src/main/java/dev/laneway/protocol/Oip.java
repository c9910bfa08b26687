package dev.laneway.protocol;

/**
 * The Open Inference Protocol's names as Laneway speaks them, declared once for the server doors, the remote lanes'
 * client and the load tests: the gRPC service and its methods (plain strings, so that this module stays free of any
 * gRPC framework: the gateway and {@code lanes.remote} build their Vert.x {@code ServiceName} and
 * {@code ServiceMethod}s from these), the text-embedding tensors, and the request and response parameters a gateway
 * and an executor node exchange. The names are the wire format: changing one breaks every client.
 */
public final class Oip {
  private Oip() {}

  // ---- the gRPC service (grpc_service.proto) ----
  /** The proto package. */
  public static final String PACKAGE = "inference";
  /** The service's simple name. */
  public static final String SERVICE_NAME = "GRPCInferenceService";
  /** The service's fully qualified name, as gRPC paths and {@code grpc.health.v1} name it. */
  public static final String SERVICE = PACKAGE + "." + SERVICE_NAME;
  public static final String SERVER_LIVE = "ServerLive";
  public static final String SERVER_READY = "ServerReady";
  public static final String MODEL_READY = "ModelReady";
  public static final String SERVER_METADATA = "ServerMetadata";
  public static final String MODEL_METADATA = "ModelMetadata";
  public static final String MODEL_INFER = "ModelInfer";
  public static final String MODEL_STREAM_INFER = "ModelStreamInfer";

  /** {@code inference.GRPCInferenceService/ModelInfer}: a method's full name (span names, gRPC paths without '/'). */
  public static String fullMethodName(String method) {
    return SERVICE + "/" + method;
  }

  // ---- the tensors of a text-embedding model ----
  /** The one input: BYTES, shape {@code [N]} or {@code [N, 1]}, one UTF-8 text per element. */
  public static final String INPUT = "text";
  /** The one output: FP32, shape {@code [N, dim]}. */
  public static final String OUTPUT = "embedding";
  public static final String BYTES = "BYTES";
  public static final String FP32 = "FP32";

  // ---- parameters a gateway's remote lane and an executor node exchange (Laneway's extensions) ----
  /** Request: the node's lane that serves the call. */
  public static final String LANE = "lane";
  /** Request: the call's latency class; response: the class it was served in. */
  public static final String LATENCY_CLASS = "latency_class";
  /** Response: each text's token count, comma-separated, in text order ({@link TokenCounts}). */
  public static final String TOKEN_COUNTS = "token_counts";
  /** Response: milliseconds the texts waited in the executor's queue. */
  public static final String QUEUE_MS = "queue_ms";
  /** Response: milliseconds the longest batch that served them ran. */
  public static final String COMPUTE_MS = "compute_ms";
  /** Response: the region, device and execution provider that computed the answer. */
  public static final String REGION = "region";
  public static final String DEVICE = "device";
  public static final String PROVIDER = "provider";
  /** Response: the device asked for an accelerator and ran on the CPU provider instead. */
  public static final String STAND_IN = "stand_in";
}
