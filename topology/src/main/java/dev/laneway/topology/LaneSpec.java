package dev.laneway.topology;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A serving queue bound to devices in one region, with one batching profile.
 *
 * @param instances instance threads per device, each with its own ONNX Runtime sessions
 * @param intraOpThreads ONNX Runtime intra-op threads per session
 * @param breaker the lane's circuit breaker ({@link BreakerSpec#DEFAULT} when absent)
 * @param maxInFlight the lane's bulkhead: requests inside the lane at once; more are refused as full (default 1024)
 * @param admission what a specialised lane's device accepts ({@link AdmissionSpec#NONE} when absent)
 * @param remote where a gateway reaches the lane over gRPC ({@link RemoteSpec}), or null for a lane served in process.
 *     A remote lane may omit {@code devices}; with devices, the node of its region serves it from them.
 */
public record LaneSpec(
    String id,
    String region,
    @JsonProperty("class") LaneClass laneClass,
    List<String> devices,
    int instances,
    int intraOpThreads,
    Batching batching,
    BreakerSpec breaker,
    int maxInFlight,
    AdmissionSpec admission,
    RemoteSpec remote) {
  public LaneSpec {
    Checks.id("id", id);
    Checks.id("region", region);
    Checks.present("class", laneClass);
    devices = Checks.list(devices);
    if (devices.isEmpty() && remote == null) {
      throw new IllegalArgumentException("devices: empty (expected: at least one device id, or remote)");
    }
    if (instances == 0) {
      instances = 1;
    }
    Checks.atLeast("instances", instances, 1);
    if (intraOpThreads == 0) {
      intraOpThreads = 1;
    }
    Checks.atLeast("intra_op_threads", intraOpThreads, 1);
    if (batching == null) {
      batching = Batching.DEFAULT;
    }
    if (breaker == null) {
      breaker = BreakerSpec.DEFAULT;
    }
    if (maxInFlight == 0) {
      maxInFlight = 1024;
    }
    Checks.atLeast("max_in_flight", maxInFlight, 1);
    if (admission == null) {
      admission = AdmissionSpec.NONE;
    }
  }

  /** A lane without a remote address, an in-process lane (tests and code that build lanes from records). */
  public LaneSpec(String id, String region, LaneClass laneClass, List<String> devices, int instances,
      int intraOpThreads, Batching batching, BreakerSpec breaker, int maxInFlight, AdmissionSpec admission) {
    this(id, region, laneClass, devices, instances, intraOpThreads, batching, breaker, maxInFlight, admission, null);
  }

  public boolean isRemote() {
    return remote != null;
  }
}
