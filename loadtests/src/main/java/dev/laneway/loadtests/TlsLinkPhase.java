package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tls}'s last phase: a mutual TLS link between regions and what a new gateway → node connection costs. An intl
 * node ({@code laneway node}) serves TLS and requires the gateway's certificate ({@code --tls-client-ca},
 * {@code --tls-client-identities}); a gateway whose {@code intl-general} lane pins the regions' CA and the node's
 * identity and presents its own certificate serves a short load from that lane. Reported: the gateway's own
 * measurement of its new connection (its log line and {@code laneway_remote_connect_seconds}: TCP, the TLS handshake
 * and the HTTP/2 preface, from the first request that needed it): its first connection (a fresh JVM's first
 * handshake), and its reconnection after the node restarted on the same port (warm); and fresh mutual TLS handshakes
 * from the bench to the node's gRPC port with the gateway's certificate (the same handshake, from another JVM).
 */
final class TlsLinkPhase {
  private static final Pattern CONNECTED = Pattern.compile("remote: connected to node \\S+ in ([0-9.]+) ms over (.*)");

  private TlsLinkPhase() {}

  static JsonObject run(BenchContext ctx, Path dir, int handshakes) {
    BenchOptions o = ctx.options();
    BenchCerts.Link certs = BenchCerts.link(dir.resolve("tls-bench-certs"));
    JsonObject out = new JsonObject().put("setup", "gateway (hk) -> node intl over mutual TLS: pinned CA, node identity "
        + BenchCerts.Link.NODE_ID + ", gateway certificate " + BenchCerts.Link.GATEWAY_ID + "; separate JVMs on 127.0.0.1");
    List<String> nodeArgs = new ArrayList<>(o.admissionCacheArgs());
    nodeArgs.addAll(List.of("--tls-cert", certs.nodeCert().toString(), "--tls-key", certs.nodeKey().toString(),
        "--tls-client-ca", certs.ca().toString(), "--tls-client-identities", BenchCerts.Link.GATEWAY_ID));
    ctx.progress().println("[bench] starting node intl with mutual TLS ...");
    Path nodeTopology;
    try {
      nodeTopology = write(dir.resolve("tls-node-topology.yaml"), topology(1, certs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (NodeProcess node = NodeProcess.start("intl", nodeTopology, 0, nodeArgs, dir.resolve("tls-node-intl.log"))) {
      List<String> args = new ArrayList<>(List.of("--topology",
          write(dir.resolve("tls-link-topology.yaml"), topology(node.grpcPort(), certs)).toString(), "--policy",
          write(dir.resolve("tls-link-policy.yaml"), POLICY).toString(), "--remote-probe-interval", "0s",
          "--watch", "false"));
      args.addAll(o.gatewayArgs());
      try (GatewayProcess g = GatewayProcess.start(args, dir.resolve("tls-link-gateway.log"), 180);
          Http http = new Http("127.0.0.1", g.httpPort(), 30_000)) {
        RestJsonClient client = new RestJsonClient(http);
        ctx.requireProbe(client, "REST JSON (through the mutual TLS link)");
        out.put("served", BenchContext.summary(ctx.load(client, "through the mutual TLS link", 10,
            o.smoke() ? 2 : 5, null, null)));
        // the gateway's first connection was its JVM's first TLS handshake; a node restarted on the same port makes
        // it connect again, warm (the old connection closed with the node, so the next request connects)
        int port = node.grpcPort();
        ctx.progress().println("[bench] restarting node intl on port " + port + " (the gateway reconnects) ...");
        node.kill();
        try (NodeProcess again = NodeProcess.start("intl", nodeTopology, port, nodeArgs,
            dir.resolve("tls-node-intl-restarted.log"))) {
          out.put("served_after_restart", BenchContext.summary(ctx.load(client, "after the node restarted", 10,
              o.smoke() ? 2 : 5, null, null)));
          out.put("bench_handshakes", TlsScenario.handshakes(port, certs.gatewayContext(), handshakes));
        }
        List<Double> connects = new ArrayList<>();
        Matcher m = CONNECTED.matcher(Files.readString(g.log()));
        while (m.find()) {
          connects.add(Double.parseDouble(m.group(1)));
          out.put("gateway_connect_over", m.group(2));
        }
        out.put("gateway_connects_ms", new io.vertx.core.json.JsonArray(connects));
        if (!connects.isEmpty()) out.put("gateway_first_connect_ms", connects.get(0));
        if (connects.size() > 1) out.put("gateway_reconnect_ms", connects.get(connects.size() - 1));
        out.put("gateway_connect_metric", metric(g.metricsPort()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** {@code laneway_remote_connect_seconds}' count and sum for TLS links, from the gateway's /metrics. */
  private static JsonObject metric(int metricsPort) {
    try {
      var resp = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      JsonObject o = new JsonObject();
      for (String line : resp.body().lines().toList()) {
        for (String k : List.of("count", "sum")) {
          if (line.startsWith("laneway_remote_connect_seconds_" + k + "{") && line.contains("tls=\"true\"")) {
            o.put(k, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
          }
        }
      }
      return o;
    } catch (Exception e) {
      return new JsonObject().put("error", String.valueOf(e));
    }
  }

  private static Path write(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    return Files.writeString(p, text);
  }

  static final String POLICY = """
      # bench tls: everything through the remote intl lane (the local one only if it fails)
      spillover: {enabled: false}
      rules: [{name: intl-first, lanes: [{lane: intl-general}, {lane: hk-general}]}]
      """;

  /** The node and the gateway read this topology: intl-general is the node's, over mutual TLS. */
  static String topology(int nodePort, BenchCerts.Link c) {
    return """
        local_region: hk
        regions: [{id: hk, cidrs: [127.0.0.0/8]}, {id: intl, cidrs: []}]
        links: [{from: hk, to: intl, rtt: 40ms}]
        devices:
          - {id: hk-cpu0, region: hk, kind: cpu, providers: [cpu]}
          - {id: intl-cpu0, region: intl, kind: cpu, providers: [cpu]}
        lanes:
          - {id: hk-general, region: hk, class: general, devices: [hk-cpu0], batching: {max_batch_size: 8, max_queue_delay: 1ms, max_queue_size: 1024}}
          - id: intl-general
            region: intl
            class: general
            devices: [intl-cpu0]
            remote: {address: "127.0.0.1:%d", tls: true, ca: ["%s"], identity: "%s", client_cert: "%s", client_key: "%s"}
            breaker: {window: 4, minimum_calls: 2, wait_in_open: 1s, half_open_calls: 1}
            batching: {max_batch_size: 8, max_queue_delay: 1ms, max_queue_size: 1024}
        models:
          - name: all-minilm-l6-v2
            space: all-minilm-l6-v2
            dimension: 384
            max_sequence_length: 256
            default_variant: int8
            variants:
              - {name: int8, onnx: classpath:all-minilm-l6-v2-q.onnx, tokenizer: classpath:all-minilm-l6-v2-q-tokenizer.json, quantized: true}
        """.formatted(nodePort, c.ca(), BenchCerts.Link.NODE_ID, c.gatewayCert(), c.gatewayKey());
  }
}
