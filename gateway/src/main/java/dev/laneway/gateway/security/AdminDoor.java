package dev.laneway.gateway.security;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The admin API's door, apart from the inference doors: its own listener ({@code --admin-port}, on
 * {@code --admin-host}, loopback by default), authenticated by the admin token ({@code x-admin-token}, from
 * {@code --admin-token-file} or {@code --admin-token}; without one, loopback clients only). Inference API keys are
 * never looked at there. On the public port every {@code /v2/admin} path is refused (404). Every request to the admin
 * listener is logged in one line when answered: method, path, who (the token's holder or a loopback client, and the
 * peer address) and the status, refusals included.
 *
 * <pre>{@code
 * AdminDoor door = AdminDoor.create(options.adminToken(), options.adminTokenFile());
 * door.refuseOn(publicRouter);
 * door.audit(adminRouter);          // before the admin routes
 * }</pre>
 *
 * <p>Handlers run on the event loops; the token is read once, at start.
 */
public final class AdminDoor {
  private static final Logger LOG = Logger.getLogger(AdminDoor.class.getName());
  public static final String PATHS = "/v2/admin/*";
  static final String TOKEN_HEADER = "x-admin-token";

  private final String token;

  private AdminDoor(String token) {
    this.token = token;
  }

  /**
   * The door with the token from {@code tokenFile} (trimmed) or {@code token}; both given, or an empty or unreadable
   * file, is an {@link IllegalArgumentException} naming the flag.
   */
  public static AdminDoor create(String token, Path tokenFile) {
    if (tokenFile == null) return new AdminDoor(token);
    if (!token.isEmpty()) throw new IllegalArgumentException("--admin-token and --admin-token-file: give one");
    String t;
    try {
      t = Files.readString(tokenFile).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("--admin-token-file: " + tokenFile + ": cannot read (" + e.getMessage() + ")");
    }
    if (t.isEmpty()) throw new IllegalArgumentException("--admin-token-file: " + tokenFile + ": empty");
    return new AdminDoor(t);
  }

  /** The admin token; empty: loopback clients only. */
  public String token() {
    return token;
  }

  /** On the public port: {@code /v2/admin/...} is not there (404, saying where it is). */
  public void refuseOn(Router publicRouter) {
    publicRouter.route(PATHS).order(-2).handler(ctx -> ctx.response().setStatusCode(404)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "the admin API is not served on this port (see --admin-port)").toBuffer()));
  }

  /** On the admin listener, first: one log line per request once answered, with who made it. */
  public void audit(Router adminRouter) {
    adminRouter.route().order(-2).handler(ctx -> {
      String who = who(ctx);
      HttpMethod method = ctx.request().method();
      String path = ctx.request().path();
      ctx.addEndHandler(v -> LOG.info("admin: " + method + " " + path + " by " + who + " -> "
          + ctx.response().getStatusCode()));
      ctx.next();
    });
  }

  /** Who is calling: the token's holder (when the header matches) or an unauthenticated caller, and the peer. */
  private String who(RoutingContext ctx) {
    var remote = ctx.request().remoteAddress();
    String peer = remote == null ? "?" : remote.hostAddress() + ":" + remote.port();
    if (token.isEmpty()) return "a client without token at " + peer;
    String sent = ctx.request().getHeader(TOKEN_HEADER);
    boolean holder = sent != null && java.security.MessageDigest.isEqual(
        token.getBytes(java.nio.charset.StandardCharsets.UTF_8), sent.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return (holder ? "the admin token's holder" : "a caller without the admin token") + " at " + peer;
  }
}
