package dev.laneway.gateway.oip;

import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.gateway.pipeline.Routes;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.Lanes;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the OIP doors say about models, the same for REST and gRPC: a model and version resolved on the routing
 * snapshot serving now (unknown ones are the typed 404s), whether a variant is ready (a lane that is warm serves it and
 * the gateway is not draining), and where it is served. Any thread.
 */
public final class ModelCatalog {
  private final Routes routes;
  private final Lanes lanes;
  private final Intake intake;
  private final java.util.function.BooleanSupplier started;

  /** One lane and device that serves a variant: the metadata's {@code lanes} parameter. */
  public record Serving(String lane, String region, String laneClass, String variant, String device, String deviceKind,
      String provider, boolean standIn) {
    /** The share of the variant's graph nodes on the CPU provider here (M6): see {@code DeviceStatus#cpuFallbackRatio}. */
    public double cpuFallbackRatio() {
      return dev.laneway.lanes.DeviceStatus.cpuFallbackRatio(deviceKind, standIn);
    }

    public String cpuFallbackReason() {
      return dev.laneway.lanes.DeviceStatus.cpuFallbackReason(deviceKind, standIn, provider);
    }
  }

  /** {@code started}: whether the gateway's start is done (until then, not ready: it may be warming itself up). */
  public ModelCatalog(Routes routes, Lanes lanes, Intake intake, java.util.function.BooleanSupplier started) {
    this.routes = routes;
    this.lanes = lanes;
    this.intake = intake;
    this.started = started;
  }

  /**
   * The variant a request for {@code model} and {@code version} (null: the default) names.
   *
   * @throws dev.laneway.routing.RoutingException.UnknownModel or {@code UnknownVersion}
   */
  public VariantSpec resolve(String model, String version) {
    return routes.current().resolve(model, version);
  }

  /** A model {@link #resolve} accepted. */
  public ModelSpec model(String name) {
    return routes.current().topology().model(name).orElseThrow();
  }

  /**
   * Whether the server is ready (health and readiness probes): its start is done, it takes requests and every model
   * has a warm lane: every lane is warm but for specialised lanes still joining after ready ({@link #laneStates}).
   */
  public boolean serverReady() {
    return started.getAsBoolean() && !intake.draining() && lanes.allReady();
  }

  /**
   * Each lane's state for the readiness answer: {@code ready}, {@code not ready} (a remote node that does not answer,
   * say), {@code joining} (a specialised lane admitted and warmed after ready) or {@code failed: reason}.
   */
  public java.util.Map<String, String> laneStates() {
    java.util.Map<String, String> joining = lanes.joining();
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Lane l : lanes.all()) {
      String j = joining.get(l.id());
      out.put(l.id(), l.ready() ? "ready" : j != null && !j.equals("joined") ? j : "not ready");
    }
    return out;
  }

  /** Whether the variant can be served now: the gateway takes requests and a ready lane serves it. */
  public boolean ready(String model, String variant) {
    return started.getAsBoolean() && !intake.draining()
        && lanes.all().stream().anyMatch(l -> l.ready() && l.serves(model, variant));
  }

  /** Every lane and device serving the model's variants ({@code only}: that variant alone; null: all). */
  public List<Serving> serving(ModelSpec m, VariantSpec only) {
    List<Serving> out = new ArrayList<>();
    for (Lane lane : lanes.all()) {
      for (VariantSpec variant : m.variants()) {
        if ((only == null || variant.name().equals(only.name())) && lane.serves(m.name(), variant.name())) {
          for (DeviceStatus d : lane.devices()) {
            out.add(new Serving(lane.id(), lane.spec().region(), lane.spec().laneClass().name().toLowerCase(Locale.ROOT),
                variant.name(), d.device(), d.kind(), d.provider(), d.standIn()));
          }
        }
      }
    }
    return out;
  }
}
