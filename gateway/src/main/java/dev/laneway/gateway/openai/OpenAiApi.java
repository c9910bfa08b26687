package dev.laneway.gateway.openai;

import dev.laneway.base.ModelKey;
import dev.laneway.base.AttributeNames;
import dev.laneway.gateway.pipeline.Answer;
import dev.laneway.gateway.pipeline.DoorReplies;
import dev.laneway.gateway.pipeline.InferenceCall;
import dev.laneway.gateway.pipeline.TenantAdmission;
import dev.laneway.gateway.pipeline.DoorRequest;
import dev.laneway.gateway.pipeline.Intake;
import dev.laneway.gateway.pipeline.Pipeline;
import dev.laneway.gateway.pipeline.Routes;
import java.util.concurrent.CompletableFuture;
import dev.laneway.gateway.GatewayOptions;
import dev.laneway.gateway.oip.OipRestApi;
import dev.laneway.gateway.pipeline.ErrorMapping;
import dev.laneway.gateway.pipeline.GatewayException;
import dev.laneway.gateway.security.ClientCerts;
import dev.laneway.gateway.telemetry.Tracing;
import dev.laneway.protocol.Oip;
import dev.laneway.protocol.Tensors;
import dev.laneway.topology.ModelSpec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI's embeddings API on the REST listener: {@code POST /v1/embeddings} and {@code GET /v1/models}, through the
 * same {@link Pipeline} as every other door. {@code model} is a model name (its default variant) or
 * {@code MODEL:VARIANT}; {@code /v1/models} lists both forms. Laneway's routing inputs come from headers here
 * ({@code x-laneway-latency-class}, {@code x-laneway-region}, {@code Cache-Control: no-cache}); its response
 * parameters go back as {@code x-laneway-*} response headers (the parameter name with {@code _} as {@code -}), so the
 * body stays exactly OpenAI's shape. Errors use OpenAI's shape {@code {error: {message, type, param, code}}} with the
 * status from {@link ErrorMapping}. Handlers run on the event loop and never block.
 */
public final class OpenAiApi {
  public static final String PARAMETER_HEADER_PREFIX = "x-laneway-";
  /** {@code model: "all-minilm-l6-v2:int8"} asks for a variant; a bare name gets the model's default variant. */

  private final Pipeline pipeline;
  private final Intake intake;
  private final Tracing tracing;
  private final Routes routes;
  private final GatewayOptions options;

  public OpenAiApi(Pipeline pipeline, Intake intake, Tracing tracing, Routes routes, GatewayOptions options) {
    this.pipeline = pipeline;
    this.intake = intake;
    this.tracing = tracing;
    this.routes = routes;
    this.options = options;
  }

  /** Adds the OpenAI routes to the REST router. */
  public void mount(Router r) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
    r.post("/v1/embeddings").handler(body).handler(this::embeddings).failureHandler(ctx -> {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      String message = status == 413 ? "request body larger than " + options.maxBodyBytes() + " bytes (--max-body-bytes)"
          : ctx.failure() == null ? "bad request" : String.valueOf(ctx.failure().getMessage());
      error(ctx, status, message, null, status == 413 ? "body_too_large" : "bad_request");
    });
    r.get("/v1/models").handler(this::models);
  }

  private void models(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    for (ModelSpec m : routes.current().topology().models()) {
      List<String> ids = new ArrayList<>(List.of(m.name()));
      for (var v : m.variants()) ids.add(ModelKey.of(m.name(), v.name()).toString()); // OpenAI's API has no version field
      for (String id : ids) {
        data.add(new JsonObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "laneway"));
      }
    }
    ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("object", "list").put("data", data).toBuffer());
  }

  /** A decoded request. */
  record Request(String model, List<String> texts, boolean base64, Integer dimensions, String user) {}

  private void embeddings(RoutingContext ctx) {
    long t0 = System.nanoTime();
    Span span = tracing.serverSpan(ctx.request(), "POST /v1/embeddings");
    ctx.response().putHeader(Tracing.TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    if (!intake.accept()) {
      span.setStatus(StatusCode.ERROR, "draining");
      span.end();
      pipeline.decodeFailed("openai", null, new GatewayException.Draining(), t0);
      fail(ctx, new GatewayException.Draining());
      return;
    }
    String model = null;
    Request req = null;
    CompletableFuture<Answer> answer;
    TenantAdmission admission = null;
    try (Scope ignored = span.makeCurrent()) {
      req = decode(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer(), options.maxTexts());
      ModelKey key = variantOf(req.model());
      model = key == null ? req.model() : key.model();
      String version = key == null ? null : key.variant();
      ModelSpec spec = routes.current().topology().model(model).orElse(null);
      if (spec != null && req.dimensions() != null && req.dimensions() != spec.dimension()) {
        throw new ParamError("dimensions", "unsupported_dimensions", "dimensions: " + req.dimensions() + " (model '"
            + spec.name() + "' produces " + spec.dimension() + "-dimensional vectors and cannot shorten them; "
            + "omit dimensions or pass " + spec.dimension() + ")");
      }
      span.setAttribute(AttributeNames.LANEWAY_MODEL, model);
      span.setAttribute(AttributeNames.LANEWAY_TEXTS, (long) req.texts().size());
      InferenceCall call = pipeline.call(new DoorRequest("openai", null, model, version, req.texts(), Map.of(),
          OipRestApi.headers(ctx), ctx.request().remoteAddress() == null ? null
              : ctx.request().remoteAddress().hostAddress(), 0, Context.current(),
          ClientCerts.identity(ctx.request().connection())));
      admission = call.admission();
      answer = pipeline.infer(call);
    } catch (RuntimeException e) {
      pipeline.decodeFailed("openai", model, e instanceof ParamError p ? p.bad : e, t0);
      answer = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Answer> pending = answer;
    ctx.response().closeHandler(v -> pending.cancel(false)); // the client went away: free its queued work
    Request decoded = req;
    TenantAdmission limits = admission;
    DoorReplies.complete(answer, ctx.vertx().getOrCreateContext(), span, intake, a -> {
      DoorReplies.tenantHeaders(limits, true, ctx.response()::putHeader);
      respond(ctx, decoded, a);
    }, e -> {
      DoorReplies.tenantHeaders(limits, true, ctx.response()::putHeader);
      fail(ctx, e);
    });
  }

  /** {@code model} names the model (the policy picks the variant); {@code model:variant} names both. */
  private static ModelKey variantOf(String model) {
    if (model.indexOf(':') < 0) return null;
    try {
      return ModelKey.parse(model);
    } catch (IllegalArgumentException e) {
      throw new ParamError("model", "invalid_model", e.getMessage());
    }
  }

  private static void respond(RoutingContext ctx, Request req, Answer r) {
    JsonArray data = new JsonArray();
    float[][] vectors = r.vectors();
    for (int i = 0; i < vectors.length; i++) {
      JsonObject item = new JsonObject().put("object", "embedding").put("index", i);
      if (req.base64()) {
        item.put("embedding", Base64.getEncoder().encodeToString(Tensors.encodeFp32(new float[][] {vectors[i]})));
      } else {
        JsonArray v = new JsonArray(new ArrayList<>(vectors[i].length));
        for (float x : vectors[i]) v.add(x);
        item.put("embedding", v);
      }
      data.add(item);
    }
    int tokens = r.promptTokens();
    JsonObject body = new JsonObject().put("object", "list").put("data", data).put("model", req.model())
        .put("usage", new JsonObject().put("prompt_tokens", tokens).put("total_tokens", tokens));
    r.parameters().toMap().forEach((k, v) -> {
      // per-text counts would make a header as long as the input list; usage carries their sum
      if (!k.equals(Oip.TOKEN_COUNTS)) {
        ctx.response().putHeader(PARAMETER_HEADER_PREFIX + k.replace('_', '-'), String.valueOf(v));
      }
    });
    ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(body.toBuffer());
  }

  public static Request decode(Buffer body, int maxTexts) {
    JsonObject json;
    try {
      if (!(Json.decodeValue(body) instanceof JsonObject o)) throw new ParamError(null, "invalid_json",
          "request body: expected a JSON object");
      json = o;
    } catch (DecodeException e) {
      String m = e.getMessage() == null ? "" : e.getMessage();
      throw new ParamError(null, "invalid_json", "malformed JSON: " + (m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m));
    }
    if (!(json.getValue("model") instanceof String model) || model.isEmpty()) {
      throw new ParamError("model", "missing_model", "model: " + (json.containsKey("model") ? "expected a string" : "missing"));
    }
    Object input = json.getValue("input");
    List<String> texts = new ArrayList<>();
    if (input instanceof String s) {
      texts.add(s);
    } else if (input instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        Object v = a.getValue(i);
        if (!(v instanceof String s)) {
          throw new ParamError("input", "invalid_input", "input[" + i + "]: " + (v instanceof Number || v instanceof JsonArray
              ? "token arrays are not supported (expected: strings)" : "expected a string"));
        }
        texts.add(s);
      }
    } else {
      throw new ParamError("input", "invalid_input",
          "input: " + (input == null ? "missing" : "expected a string or an array of strings"));
    }
    if (texts.isEmpty()) throw new ParamError("input", "invalid_input", "input: empty (expected: at least one text)");
    if (texts.size() > maxTexts) {
      throw new ParamError("input", "too_many_inputs",
          "input: " + texts.size() + " texts (expected: at most " + maxTexts + ", --max-texts)");
    }
    for (int i = 0; i < texts.size(); i++) {
      if (texts.get(i).isEmpty()) {
        throw new ParamError("input", "invalid_input", "input[" + i + "]: empty text (expected: at least one character)");
      }
    }
    Object format = json.getValue("encoding_format", "float");
    if (!"float".equals(format) && !"base64".equals(format)) {
      throw new ParamError("encoding_format", "invalid_encoding_format",
          "encoding_format: '" + format + "' (expected: float or base64)");
    }
    Integer dimensions = null;
    Object d = json.getValue("dimensions");
    if (d != null) {
      if (!(d instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
        throw new ParamError("dimensions", "invalid_dimensions", "dimensions: '" + d + "' (expected: an integer >= 1)");
      }
      dimensions = n.intValue();
    }
    Object user = json.getValue("user");
    if (user != null && !(user instanceof String)) throw new ParamError("user", "invalid_user", "user: expected a string");
    return new Request(model, texts, "base64".equals(format), dimensions, (String) user);
  }

  /** A bad request that names the OpenAI parameter at fault. */
  public static final class ParamError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String param;
    final String code;
    final GatewayException.BadRequest bad;

    ParamError(String param, String code, String message) {
      super(message, null, false, false);
      this.param = param;
      this.code = code;
      this.bad = new GatewayException.BadRequest(message);
    }
  }

  private static void fail(RoutingContext ctx, Throwable t) {
    Throwable e = ErrorMapping.unwrap(t);
    if (e instanceof ParamError p) {
      error(ctx, 400, p.getMessage(), p.param, p.code);
      return;
    }
    ErrorMapping.HttpError h = ErrorMapping.toHttp(e);
    if (h.retryAfterSeconds() > 0) ctx.response().putHeader("retry-after", Integer.toString(h.retryAfterSeconds()));
    String code = switch (h.reason()) {
      case "request_rate", "token_rate" -> "rate_limit_exceeded"; // OpenAI's codes for a tenant's own limits
      case "budget_exhausted" -> "insufficient_quota";
      default -> h.status() == 404 ? "model_not_found" : h.reason();
    };
    error(ctx, h.status(), h.message(), h.status() == 404 ? "model" : null, code);
  }

  /** OpenAI's error shape; {@code type} follows OpenAI's families. */
  static void error(RoutingContext ctx, int status, String message, String param, String code) {
    if (ctx.response().ended() || ctx.response().closed()) return;
    String type = switch (status) {
      case 400, 404, 413 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> "server_error";
    };
    JsonObject err = new JsonObject().put("message", message).put("type", type).put("param", param)
        .put("code", code == null ? null : code.toLowerCase(Locale.ROOT));
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", err).toBuffer());
  }
}
