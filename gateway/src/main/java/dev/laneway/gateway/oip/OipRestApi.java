package dev.laneway.gateway.oip;

import dev.laneway.gateway.Gateway;
import dev.laneway.gateway.GatewayOptions;
import dev.laneway.gateway.admin.AdminApi;
import dev.laneway.gateway.admin.ExplainApi;
import dev.laneway.gateway.openai.OpenAiApi;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.InferenceService;
import dev.laneway.gateway.telemetry.Tracing;
import dev.laneway.lanes.DeviceStatus;
import dev.laneway.lanes.Lane;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Tensors;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Open Inference Protocol over REST (KServe v2, as Triton serves it): health, server and model metadata, model
 * readiness and JSON inference. Handlers run on the event loop and never block.
 */
public final class OipRestApi {
  private static final Logger LOG = Logger.getLogger(OipRestApi.class.getName());

  private final Gateway gateway;
  private final GatewayOptions options;

  public OipRestApi(Gateway gateway, GatewayOptions options) {
    this.gateway = gateway;
    this.options = options;
  }

  public Router router(io.vertx.core.Vertx vertx) {
    Router r = Router.router(vertx);
    // `curl -d` labels a JSON body application/x-www-form-urlencoded; Vert.x would then decode it as a form and fail
    // past its form-attribute size (a 2 KiB body got 400 "null"). Nothing here takes forms: read such bodies as JSON.
    r.route().handler(ctx -> {
      String type = ctx.request().getHeader("content-type");
      if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
        ctx.request().headers().set("content-type", "application/json");
      }
      ctx.next();
    });
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
    new OpenAiApi(gateway, options).mount(r);
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
        .put("extensions", new JsonArray().add("parameters").add("binary_tensor_data").add("schedule_policy"));
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
          .put("inputs", new JsonArray().add(new JsonObject().put("name", Oip.INPUT).put("datatype", "BYTES")
              .put("shape", new JsonArray().add(-1))))
          .put("outputs", new JsonArray().add(new JsonObject().put("name", Oip.OUTPUT).put("datatype", "FP32")
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
    long t0 = System.nanoTime();
    Span span = gateway.tracing().serverSpan(ctx.request(), "POST /v2/models/{model}/infer");
    ctx.response().putHeader(Tracing.TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    ctx.response().endHandler(v -> span.end());
    String model = ctx.pathParam("model");
    String binaryHeader = ctx.request().getHeader(OipBinary.HEADER_LENGTH);
    String door = binaryHeader != null ? "rest_binary" : "rest";
    InferenceService service = gateway.inferenceService();
    try (Scope ignored = span.makeCurrent()) {
      if (!gateway.accept()) {
        throw new GatewayException.Draining();
      }
      ctx.response().endHandler(v -> {
        gateway.release();
        span.end();
      });
      Buffer raw = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
      OipJson.InferBody body = OipBinary.decode(raw, binaryHeader, options.maxTexts());
      InferenceCall call = call(ctx, model, version, body);
      span.setAttribute("laneway.model", model);
      span.setAttribute("laneway.texts", body.texts().size());
      Future.fromCompletionStage(service.infer(door, call), ctx.vertx().getOrCreateContext())
          .onComplete(ar -> {
            if (ar.succeeded()) {
              InferenceService.Reply r = ar.result();
              span.setAttribute("laneway.lane", String.valueOf(r.parameters().get("lane")));
              span.setAttribute("laneway.degraded", Boolean.TRUE.equals(r.parameters().get("degraded")));
              span.setAttribute("laneway.cache", String.valueOf(r.parameters().get("cache")));
              JsonObject params = new JsonObject(r.parameters());
              Buffer json = OipJson.encodeInfer(model, r.variant(), body.id(), params, r.vectors(), body.binaryOutput());
              if (body.binaryOutput()) {
                ctx.response().setStatusCode(200).putHeader("content-type", "application/octet-stream")
                    .putHeader(OipBinary.HEADER_LENGTH, Integer.toString(json.length()))
                    .end(json.appendBytes(Tensors.encodeFp32(r.vectors())));
              } else {
                ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(json);
              }
            } else {
              span.setStatus(StatusCode.ERROR, String.valueOf(ar.cause().getMessage()));
              fail(ctx, ar.cause());
            }
          });
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      service.decodeFailed(door, model, e, t0);
      fail(ctx, e);
    }
  }

  /** The call a decoded body makes (also used by the explain endpoint): everything but the body comes from the request. */
  public InferenceCall call(RoutingContext ctx, String model, String version, OipJson.InferBody body) {
    return gateway.inferenceService().call(body.id(), model, version, body.texts(), body.parameters().getMap(),
        headers(ctx), ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress(), 0,
        Context.current());
  }

  /** The request's headers, names lower-case (the last value of a repeated header wins). */
  public static java.util.Map<String, String> headers(RoutingContext ctx) {
    java.util.Map<String, String> h = new java.util.HashMap<>();
    ctx.request().headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
    return h;
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
