package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * {@code tls}: what TLS costs, in one run and at one rate. A plaintext child gateway, then one serving a throwaway
 * certificate ({@link BenchCerts}: EC P-256, TLS 1.3), each measured over REST JSON (HTTP/1.1, kept connections) and
 * gRPC unary at the same rate: e2e's 50% point (half the highest REST JSON rate whose p99 stays under 100 ms, found by
 * e2e's own step search on the plaintext gateway), or {@code --rate}. Every door is warmed the same way in both
 * modes before its step. Per mode and door: p50/p99, achieved rate, failures. Then the cost of a new connection to
 * the TLS gateway's gRPC port: TCP connect alone, and TCP + the TLS handshake, over fresh connections; and a new
 * gateway → node connection over mutual TLS, as the gateway measures it ({@link TlsLinkPhase}).
 */
final class TlsScenario implements Scenario {
  static final int HANDSHAKES = 30;

  @Override
  public JsonObject run(BenchContext ctx) {
    BenchOptions o = ctx.options();
    int step = o.seconds(8, 2);
    JsonObject out = new JsonObject().put("scenario", "tls").put("model", o.model()).put("variant", o.variant())
        .put("step_seconds", step);
    BenchCerts certs = BenchCerts.create(o.jsonFile().toAbsolutePath().getParent().resolve("tls-bench-certs"));
    double rate = o.rate();
    if (rate > 0) out.put("rate_sps", rate).put("rate_from", "--rate");
    for (boolean tls : new boolean[] {false, true}) {
      String mode = tls ? "tls" : "plaintext";
      List<String> args = tls ? List.of("--tls-cert", certs.cert().toString(), "--tls-key", certs.key().toString())
          : List.of();
      Path trust = tls ? certs.cert() : null;
      try (GatewayProcess g = ctx.startGateway(args, tls ? certs.context() : null, mode + "-gateway");
          Http http = new Http("127.0.0.1", g.httpPort(), 30_000, Http.POOL, trust);
          GrpcClients grpc = new GrpcClients("127.0.0.1", g.grpcPort(), 30_000, trust)) {
        List<InferClient> doors = List.of(new RestJsonClient(http), grpc.unary());
        for (InferClient c : doors) ctx.requireProbe(c, mode + " " + c.name());
        if (rate <= 0) rate = fiftyPercent(ctx, g, doors.get(0), out);
        JsonObject m = new JsonObject();
        for (InferClient c : doors) {
          String door = c.name().equals("grpc") ? "grpc" : "rest";
          // the same warm-up for every door in both modes: JIT, pools, TLS sessions
          ctx.load(c, mode + " " + door + " warm-up", rate, o.smoke() ? 2 : 12, null, null);
          BenchContext.pause(1000);
          Recording r = ctx.load(c, String.format(Locale.ROOT, "%s %s @%.0f/s", mode, door, rate), rate, step,
              null, null);
          JsonObject s = BenchContext.summary(r);
          m.put(door, s);
          out.put(door + "_p50_ms_" + mode, s.getValue("p50_ms")).put(door + "_p99_ms_" + mode, s.getValue("p99_ms"))
              .put(door + "_sps_" + mode, s.getValue("throughput_sps"))
              .put(door + "_failed_" + mode, r.failed() + (r.sent() - r.answered()));
          BenchContext.pause(1000);
        }
        out.put(mode, m);
        if (tls) out.put("new_connection", handshakes(g.grpcPort(), certs.context(), o.smoke() ? 5 : HANDSHAKES));
      }
    }
    JsonObject nc = out.getJsonObject("new_connection");
    out.put("tcp_connect_ms_p50", nc.getValue("tcp_connect_ms_p50"))
        .put("tcp_tls_handshake_ms_p50", nc.getValue("tcp_tls_handshake_ms_p50"));
    JsonObject link = TlsLinkPhase.run(ctx, o.jsonFile().toAbsolutePath().getParent(), o.smoke() ? 5 : HANDSHAKES);
    out.put("mtls_link", link);
    out.put("remote_first_connect_ms", link.getValue("gateway_first_connect_ms"))
        .put("remote_reconnect_ms", link.getValue("gateway_reconnect_ms"))
        .put("mtls_handshake_ms_p50", link.getJsonObject("bench_handshakes").getValue("tcp_tls_handshake_ms_p50"));
    return out;
  }

  /** e2e's 50% point: its step search over REST JSON on this gateway, from 30% of the in-process limit. */
  private static double fiftyPercent(BenchContext ctx, GatewayProcess g, InferClient rest, JsonObject out) {
    OrtLimit.Result limit = ctx.limit(true, 1, ctx.options().smoke() ? 1 : 4);
    double start = limit == null ? 50 : Math.max(5, limit.sentencesPerSecond() * 0.3);
    JsonObject scratch = new JsonObject();
    double max = E2eScenario.measure(ctx, Target.of(g), rest, "rest-json", start, ctx.options().seconds(8, 2),
        scratch, new JsonObject());
    if (Double.isNaN(max)) {
      max = start;
      out.put("rate_from", "no rate kept p99 under " + E2eScenario.P99_LIMIT_MS + " ms: half of the search's start");
    } else {
      out.put("rate_from", "e2e's step search over plaintext REST JSON: half its max at p99 <= 100 ms");
    }
    out.put("limit_sps", limit == null ? null : BenchContext.round(limit.sentencesPerSecond()))
        .put("rest_max_sps_p99_100ms", BenchContext.round(max)).put("rate_sps", BenchContext.round(max * 0.5));
    ctx.report().note("rate: " + out.getString("rate_from"));
    return max * 0.5;
  }

  /**
   * {@code n} fresh connections to {@code port}: TCP connect alone, and TCP connect + TLS handshake (the JDK's client,
   * TLS 1.3, ALPN h2 as a gRPC client asks), each timed; the percentiles in ms.
   */
  static JsonObject handshakes(int port, SSLContext context, int n) {
    double[] tcp = new double[n];
    double[] tls = new double[n];
    String protocol = null;
    try {
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        try (var s = new java.net.Socket()) {
          s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
          tcp[i] = (System.nanoTime() - t0) / 1e6;
        }
        t0 = System.nanoTime();
        try (var plain = new java.net.Socket()) {
          plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
          SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
          var p = s.getSSLParameters();
          p.setApplicationProtocols(new String[] {"h2"});
          s.setSSLParameters(p);
          s.startHandshake();
          tls[i] = (System.nanoTime() - t0) / 1e6;
          protocol = s.getSession().getProtocol() + " " + s.getSession().getCipherSuite() + ", ALPN "
              + s.getApplicationProtocol();
        }
      }
    } catch (java.io.IOException e) {
      return new JsonObject().put("error", String.valueOf(e));
    }
    return new JsonObject().put("connections", n).put("negotiated", protocol)
        .put("tcp_connect_ms_p50", BenchContext.round(pct(tcp, 50)))
        .put("tcp_tls_handshake_ms_p50", BenchContext.round(pct(tls, 50)))
        .put("tcp_tls_handshake_ms_p90", BenchContext.round(pct(tls, 90)))
        .put("tcp_tls_handshake_ms_max", BenchContext.round(pct(tls, 100)));
  }

  private static double pct(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1)];
  }
}
