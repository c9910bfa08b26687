package dev.laneway.gateway;

import io.opentelemetry.context.Context;

import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.lanes.LaneResult;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Open Inference Protocol over REST (KServe v2, as Triton serves it): health, server and model metadata, model
 * readiness and JSON inference. Handlers run on the event loop and never block.
 */
final class OipRestApi {
  private static final Logger LOG = Logger.getLogger(OipRestApi.class.getName());
  static final String LATENCY_HEADER = "x-laneway-latency-class";
  static final String REGION_HEADER = "x-laneway-region";

  private final Gateway gateway;
  private final GatewayOptions options;

  OipRestApi(Gateway gateway, GatewayOptions options) {
    this.gateway = gateway;
    this.options = options;
  }

  Router router(io.vertx.core.Vertx vertx) {
    Router r = Router.router(vertx);
    r.get("/v2/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("live", true)));
    r.get("/v2/health/ready").handler(ctx -> {
      boolean ready = gateway.ready();
      json(ctx, ready ? 200 : 503, new JsonObject().put("ready", ready));
    });
    r.get("/v2").handler(ctx -> json(ctx, 200, serverMetadata()));
    r.get("/v2/models/:model").handler(ctx -> modelMetadata(ctx, null));
    r.get("/v2/models/:model/versions/:version").handler(ctx -> modelMetadata(ctx, ctx.pathParam("version")));
    r.get("/v2/models/:model/ready").handler(ctx -> modelReady(ctx, null));
    r.get("/v2/models/:model/versions/:version/ready").handler(ctx -> modelReady(ctx, ctx.pathParam("version")));
    BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
    r.post("/v2/models/:model/infer").handler(body).handler(ctx -> infer(ctx, null));
    r.post("/v2/models/:model/versions/:version/infer").handler(body).handler(ctx -> infer(ctx, ctx.pathParam("version")));
    ExplainApi.mount(r, gateway, this, body);
    AdminApi.mount(r, gateway, options);
    r.errorHandler(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(405, ctx -> error(ctx, 405, "method not allowed: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(413, ctx -> error(ctx, 413, "request body larger than " + options.maxBodyBytes() + " bytes (--max-body-bytes)"));
    r.errorHandler(400, ctx -> error(ctx, 400, ctx.failure() == null ? "bad request" : String.valueOf(ctx.failure().getMessage())));
    r.errorHandler(500, ctx -> {
      Throwable f = ctx.failure();
      if (f != null) {
        ErrorMapping.HttpError e = ErrorMapping.toHttp(f);
        if (e.status() == 500) LOG.log(Level.SEVERE, "unhandled error on " + ctx.request().path(), f);
        error(ctx, e.status(), e.message());
      } else {
        error(ctx, 500, "internal error");
      }
    });
    return r;
  }

  private JsonObject serverMetadata() {
    return new JsonObject()
        .put("name", "laneway")
        .put("version", Gateway.VERSION)
        .put("extensions", new JsonArray().add("parameters"));
  }

  /** A model already checked by {@code router().resolve}. */
  private ModelSpec model(String name) {
    return gateway.topology().model(name).orElseThrow();
  }

  private void modelMetadata(RoutingContext ctx, String version) {
    try {
      String name = ctx.pathParam("model");
      VariantSpec v = gateway.dispatcher().router().resolve(name, version);
      ModelSpec m = model(name);
      JsonArray lanes = new JsonArray();
      for (Lane lane : gateway.lanes().all()) {
        for (VariantSpec variant : m.variants()) {
          if ((version == null || variant.name().equals(v.name())) && lane.serves(m.name(), variant.name())) {
            for (DeviceStatus d : lane.devices()) {
              lanes.add(new JsonObject().put("lane", lane.id()).put("region", lane.spec().region())
                  .put("class", lane.spec().laneClass().name().toLowerCase(Locale.ROOT))
                  .put("variant", variant.name()).put("device", d.device()).put("device_kind", d.kind())
                  .put("provider", d.provider()).put("stand_in", d.standIn()));
            }
          }
        }
      }
      JsonObject md = new JsonObject()
          .put("name", m.name())
          .put("versions", new JsonArray(m.variants().stream().map(VariantSpec::name).toList()))
          .put("platform", "onnxruntime_onnx")
          .put("inputs", new JsonArray().add(new JsonObject().put("name", OipJson.INPUT).put("datatype", "BYTES")
              .put("shape", new JsonArray().add(-1))))
          .put("outputs", new JsonArray().add(new JsonObject().put("name", OipJson.OUTPUT).put("datatype", "FP32")
              .put("shape", new JsonArray().add(-1).add(m.dimension()))))
          .put("parameters", new JsonObject()
              .put("embedding_space", m.space())
              .put("pooling", m.pooling())
              .put("max_sequence_length", m.maxSequenceLength())
              .put("default_version", m.defaultVariant())
              .put("lanes", lanes.encode()));
      if (version != null) md.put("versions", new JsonArray().add(v.name()));
      json(ctx, 200, md);
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  private void modelReady(RoutingContext ctx, String version) {
    try {
      String name = ctx.pathParam("model");
      VariantSpec v = gateway.dispatcher().router().resolve(name, version);
      boolean ready = !gateway.draining() && gateway.lanes().all().stream()
          .anyMatch(l -> l.ready() && l.serves(name, v.name()));
      json(ctx, ready ? 200 : 503, new JsonObject().put("name", name).put("version", v.name()).put("ready", ready));
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  private void infer(RoutingContext ctx, String version) {
    Span span = gateway.tracing().serverSpan(ctx.request(), "POST /v2/models/{model}/infer");
    ctx.response().putHeader(Tracing.TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    ctx.response().endHandler(v -> span.end());
    try (Scope ignored = span.makeCurrent()) {
      if (!gateway.accept()) {
        throw new GatewayException.Draining("the gateway is shutting down and takes no new requests");
      }
      ctx.response().endHandler(v -> {
        gateway.release();
        span.end();
      });
      String model = ctx.pathParam("model");
      OipJson.InferBody body = OipJson.decodeInfer(ctx.body().buffer() == null
          ? io.vertx.core.buffer.Buffer.buffer() : ctx.body().buffer(), options.maxTexts());
      InferenceCall call = call(ctx, model, version, body);
      span.setAttribute("laneway.model", model);
      span.setAttribute("laneway.texts", body.texts().size());
      Future.fromCompletionStage(gateway.dispatcher().dispatch(call), ctx.vertx().getOrCreateContext())
          .onComplete(ar -> {
            if (ar.succeeded()) {
              Answer a = ar.result();
              LaneResult r = a.result();
              span.setAttribute("laneway.lane", r.lane());
              span.setAttribute("laneway.degraded", a.degraded());
              JsonObject params = new JsonObject(a.parameters());
              ctx.response().setStatusCode(200).putHeader("content-type", "application/json")
                  .end(OipJson.encodeInfer(model, r.variant(), body.id(), params, r.vectors()));
            } else {
              span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
              fail(ctx, ar.cause());
            }
          });
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      fail(ctx, e);
    }
  }

  /** The call a decoded body makes: latency class, client region, deadline, headers, trace context. */
  InferenceCall call(RoutingContext ctx, String model, String version, OipJson.InferBody body) {
    String latency = stringParam(body.parameters(), "latency_class", ctx.request().getHeader(LATENCY_HEADER), "standard");
    validateLatency(latency);
    String region = gateway.clientRegion().resolve(
        stringParam(body.parameters(), "region", ctx.request().getHeader(REGION_HEADER), null),
        ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress());
    long deadline = System.nanoTime() + timeoutNanos(body.parameters());
    return new InferenceCall(body.id(), model, version, body.texts(), latency, region, "anonymous", deadline,
        0, headers(ctx), "no-cache".equalsIgnoreCase(ctx.request().getHeader("cache-control")), Context.current());
  }

  private static void validateLatency(String latency) {
    switch (latency) {
      case "interactive", "standard", "batch" -> { }
      default -> throw new GatewayException.BadRequest(
          "latency_class: '" + latency + "' (expected: interactive, standard or batch)");
    }
  }

  private long timeoutNanos(JsonObject parameters) {
    Object t = parameters.getValue("timeout");
    if (t == null) return options.defaultTimeout().toNanos();
    if (!(t instanceof Number n) || n.longValue() <= 0) {
      throw new GatewayException.BadRequest("parameters.timeout: '" + t + "' (expected: microseconds > 0)");
    }
    return TimeUnit.MICROSECONDS.toNanos(n.longValue());
  }

  /** The request's headers, names lower-case (the last value of a repeated header wins). */
  static java.util.Map<String, String> headers(RoutingContext ctx) {
    java.util.Map<String, String> h = new java.util.HashMap<>();
    ctx.request().headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
    return h;
  }

  private static String stringParam(JsonObject parameters, String name, String header, String fallback) {
    Object v = parameters.getValue(name);
    if (v != null) {
      if (!(v instanceof String s)) throw new GatewayException.BadRequest("parameters." + name + ": expected a string");
      return s;
    }
    return header != null ? header : fallback;
  }

  private static void fail(RoutingContext ctx, Throwable t) {
    ErrorMapping.HttpError e = ErrorMapping.toHttp(t);
    if (e.status() == 500) {
      LOG.log(Level.SEVERE, "unhandled error on " + ctx.request().path(), ErrorMapping.unwrap(t));
    }
    HttpServerResponse resp = ctx.response();
    if (e.retryAfterSeconds() > 0) resp.putHeader("retry-after", Integer.toString(e.retryAfterSeconds()));
    error(ctx, e.status(), e.message());
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(OipJson.error(message));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
