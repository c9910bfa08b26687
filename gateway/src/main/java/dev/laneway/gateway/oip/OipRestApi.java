package dev.laneway.gateway.oip;

import dev.laneway.base.AttributeNames;
import dev.laneway.gateway.pipeline.Answer;
import dev.laneway.gateway.pipeline.DoorReplies;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.TenantAdmission;
import dev.laneway.gateway.pipeline.DoorRequest;
import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.gateway.pipeline.Pipeline;
import java.util.concurrent.CompletableFuture;
import dev.laneway.gateway.Gateway;
import dev.laneway.gateway.GatewayOptions;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.security.ClientCerts;
import dev.laneway.gateway.telemetry.Tracing;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Tensors;
import dev.laneway.topology.ModelSpec;
import dev.laneway.topology.VariantSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
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
 * readiness and JSON (and binary-extension) inference, through the {@link Pipeline}. Its routes and the listener's
 * error handlers are mounted by the gateway on the REST router, beside the OpenAI, explain and admin routes. Handlers
 * run on the event loop and never block; a client that disconnects before its answer cancels the request, which frees
 * its queued work.
 */
public final class OipRestApi {
  private static final Logger LOG = Logger.getLogger(OipRestApi.class.getName());

  private final Pipeline pipeline;
  private final Intake intake;
  private final Tracing tracing;
  private final ModelCatalog catalog;
  private final GatewayOptions options;

  public OipRestApi(Pipeline pipeline, Intake intake, Tracing tracing, ModelCatalog catalog, GatewayOptions options) {
    this.pipeline = pipeline;
    this.intake = intake;
    this.tracing = tracing;
    this.catalog = catalog;
    this.options = options;
  }

  /** Adds the OIP routes: health, metadata, readiness, inference. */
  public void mount(Router r, BodyHandler body) {
    r.get("/v2/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("live", true)));
    r.get("/v2/health/ready").handler(ctx -> {
      boolean ready = catalog.serverReady();
      JsonObject lanes = new JsonObject();
      catalog.laneStates().forEach(lanes::put);
      json(ctx, ready ? 200 : 503, new JsonObject().put("ready", ready).put("lanes", lanes));
    });
    r.get("/v2").handler(ctx -> json(ctx, 200, serverMetadata()));
    r.get("/v2/models/:model").handler(ctx -> modelMetadata(ctx, null));
    r.get("/v2/models/:model/versions/:version").handler(ctx -> modelMetadata(ctx, ctx.pathParam("version")));
    r.get("/v2/models/:model/ready").handler(ctx -> modelReady(ctx, null));
    r.get("/v2/models/:model/versions/:version/ready").handler(ctx -> modelReady(ctx, ctx.pathParam("version")));
    r.post("/v2/models/:model/infer").handler(body).handler(ctx -> infer(ctx, null));
    r.post("/v2/models/:model/versions/:version/infer").handler(body).handler(ctx -> infer(ctx, ctx.pathParam("version")));
  }

  /**
   * The REST listener's shared plumbing, before and after every route: bodies labelled as forms are read as JSON, and
   * the router's own failures (404, 405, 413, a bad body, an uncaught error) answer in the OIP error shape.
   */
  public static void plumbing(Router r, long maxBodyBytes) {
    // `curl -d` labels a JSON body application/x-www-form-urlencoded; Vert.x would then decode it as a form and fail
    // past its form-attribute size (a 2 KiB body got 400 "null"). Nothing here takes forms: read such bodies as JSON.
    r.route().order(-1).handler(ctx -> {
      String type = ctx.request().getHeader("content-type");
      if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
        ctx.request().headers().set("content-type", "application/json");
      }
      ctx.next();
    });
    r.errorHandler(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(405, ctx -> error(ctx, 405, "method not allowed: " + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(413, ctx -> error(ctx, 413, "request body larger than " + maxBodyBytes + " bytes (--max-body-bytes)"));
    r.errorHandler(400, ctx -> error(ctx, 400, ctx.failure() == null ? "bad request" : String.valueOf(ctx.failure().getMessage())));
    r.errorHandler(500, ctx -> {
      Throwable f = ctx.failure();
      if (f != null) {
        fail(ctx, f);
      } else {
        error(ctx, 500, "internal error");
      }
    });
  }

  private JsonObject serverMetadata() {
    return new JsonObject()
        .put("name", "laneway")
        .put("version", Gateway.VERSION)
        .put("extensions", new JsonArray().add("parameters").add("binary_tensor_data").add("schedule_policy"));
  }

  private void modelMetadata(RoutingContext ctx, String version) {
    try {
      String name = ctx.pathParam("model");
      VariantSpec v = catalog.resolve(name, version);
      ModelSpec m = catalog.model(name);
      JsonArray lanes = new JsonArray();
      for (ModelCatalog.Serving s : catalog.serving(m, version == null ? null : v)) {
        lanes.add(new JsonObject().put("lane", s.lane()).put("region", s.region()).put("class", s.laneClass())
            .put("variant", s.variant()).put("device", s.device()).put("device_kind", s.deviceKind())
            .put("provider", s.provider()).put("stand_in", s.standIn())
            .put("cpu_fallback_ratio", Double.isNaN(s.cpuFallbackRatio()) ? null : s.cpuFallbackRatio())
            .put("cpu_fallback", s.cpuFallbackReason()));
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
      VariantSpec v = catalog.resolve(name, version);
      boolean ready = catalog.ready(name, v.name());
      json(ctx, ready ? 200 : 503, new JsonObject().put("name", name).put("version", v.name()).put("ready", ready));
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  private void infer(RoutingContext ctx, String version) {
    long t0 = System.nanoTime();
    Span span = tracing.serverSpan(ctx.request(), "POST /v2/models/{model}/infer");
    ctx.response().putHeader(Tracing.TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    String model = ctx.pathParam("model");
    String binaryHeader = ctx.request().getHeader(OipBinary.HEADER_LENGTH);
    String door = binaryHeader != null ? "rest_binary" : "rest";
    if (!intake.accept()) {
      span.setStatus(StatusCode.ERROR, "draining");
      span.end();
      pipeline.decodeFailed(door, model, new GatewayException.Draining(), t0);
      fail(ctx, new GatewayException.Draining());
      return;
    }
    OipJson.InferBody body;
    CompletableFuture<Answer> answer;
    TenantAdmission admission = null;
    try (Scope ignored = span.makeCurrent()) {
      Buffer raw = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
      body = OipBinary.decode(raw, binaryHeader, options.maxTexts());
      span.setAttribute(AttributeNames.LANEWAY_MODEL, model);
      span.setAttribute(AttributeNames.LANEWAY_TEXTS, (long) body.texts().size());
      InferenceCall call = pipeline.call(request(door, ctx, model, version, body));
      admission = call.admission();
      answer = pipeline.infer(call);
    } catch (RuntimeException e) {
      pipeline.decodeFailed(door, model, e, t0);
      answer = CompletableFuture.failedFuture(e);
      body = null;
    }
    CompletableFuture<Answer> pending = answer;
    ctx.response().closeHandler(v -> pending.cancel(false)); // the client went away: free its queued work
    OipJson.InferBody decoded = body;
    TenantAdmission limits = admission;
    DoorReplies.complete(answer, ctx.vertx().getOrCreateContext(), span, intake, a -> {
      DoorReplies.tenantHeaders(limits, false, ctx.response()::putHeader);
      respond(ctx, model, decoded, a);
    }, e -> {
      DoorReplies.tenantHeaders(limits, false, ctx.response()::putHeader);
      fail(ctx, e);
    });
  }

  private static void respond(RoutingContext ctx, String model, OipJson.InferBody body, Answer a) {
    JsonObject params = new JsonObject(a.parameters().toMap());
    Buffer json = OipJson.encodeInfer(model, a.variant(), body.id(), params, a.vectors(), body.binaryOutput());
    if (body.binaryOutput()) {
      ctx.response().setStatusCode(200).putHeader("content-type", "application/octet-stream")
          .putHeader(OipBinary.HEADER_LENGTH, Integer.toString(json.length()))
          .end(json.appendBytes(Tensors.encodeFp32(a.vectors())));
    } else {
      ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(json);
    }
  }

  /** What a decoded REST body asks (also the explain endpoint's): everything but the body comes from the request. */
  public static DoorRequest request(String door, RoutingContext ctx, String model, String version,
      OipJson.InferBody body) {
    return new DoorRequest(door, body.id(), model, version, body.texts(), body.parameters().getMap(), headers(ctx),
        ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress(), 0,
        Context.current(), ClientCerts.identity(ctx.request().connection()));
  }

  /** The request's headers, names lower-case (the last value of a repeated header wins). */
  public static java.util.Map<String, String> headers(RoutingContext ctx) {
    java.util.Map<String, String> h = new java.util.HashMap<>();
    ctx.request().headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
    return h;
  }

  static void fail(RoutingContext ctx, Throwable t) {
    ErrorMapping.HttpError e = ErrorMapping.toHttp(t);
    if (e.status() == 500) {
      LOG.log(Level.SEVERE, "unhandled error on " + ctx.request().path(), ErrorMapping.unwrap(t));
    }
    HttpServerResponse resp = ctx.response();
    if (e.retryAfterSeconds() > 0) resp.putHeader("retry-after", Integer.toString(e.retryAfterSeconds()));
    error(ctx, e.status(), e.message());
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended() || ctx.response().closed()) return;
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(OipJson.error(message));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
