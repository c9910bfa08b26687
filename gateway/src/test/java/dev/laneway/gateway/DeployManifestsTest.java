package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.laneway.routing.PolicyLoader;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema check for {@code deploy/k8s}: every document parses into fabric8's Kubernetes model classes with no field
 * the schema does not know (fabric8 keeps unknown fields in {@code additionalProperties}; any there fails), and the
 * manifests agree with each other and with Laneway: ConfigMaps and keys that are mounted exist, the topology and policy
 * load with Laneway's own loaders, container args parse as Laneway options, probes hit {@code /v2/health/ready} and
 * {@code /v2/health/live} on the HTTP port, the grace period outlasts the drain timeout plus the preStop pause, every
 * remote lane's address is a declared Service port that reaches its region's node's gRPC port, and GPU lanes ask for
 * {@code nvidia.com/gpu}.
 */
class DeployManifestsTest {
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("Namespace", Namespace.class,
      "ConfigMap", ConfigMap.class, "Service", Service.class, "Deployment", Deployment.class);
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  static final List<HasMetadata> ALL = new ArrayList<>();

  @BeforeAll
  static void load() throws Exception {
    Path dir = Path.of("..", "deploy", "k8s");
    if (!Files.isDirectory(dir)) dir = Path.of("deploy", "k8s");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode doc : YAML.readValues(YAML.getFactory().createParser(f.toFile()), JsonNode.class).readAll()) {
          if (doc == null || doc.isNull()) continue;
          String kind = doc.path("kind").asText();
          Class<? extends HasMetadata> type = KINDS.get(kind);
          assertNotNull(type, f + ": kind '" + kind + "' (expected one of " + KINDS.keySet() + ")");
          HasMetadata r = YAML.treeToValue(doc, type);
          noUnknownFields(r, f.getFileName() + ":" + kind + "/" + r.getMetadata().getName());
          ALL.add(r);
        }
      }
    }
    assertFalse(ALL.isEmpty());
  }

  /** Fails on anything fabric8 parked in {@code additionalProperties}: a field the Kubernetes schema does not have. */
  static void noUnknownFields(Object o, String path) throws Exception {
    if (o == null) return;
    if (o instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) noUnknownFields(l.get(i), path + "[" + i + "]");
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) noUnknownFields(e.getValue(), path + "." + e.getKey());
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) return;
    for (Method g : o.getClass().getMethods()) {
      if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
          || g.getDeclaringClass() == Object.class) continue;
      Object v = g.invoke(o);
      if (g.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) fail(path + ": unknown field(s) " + m.keySet());
        continue;
      }
      noUnknownFields(v, path + "." + g.getName().substring(3, 4).toLowerCase() + g.getName().substring(4));
    }
  }

  static <T extends HasMetadata> List<T> all(Class<T> type) {
    return ALL.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static ConfigMap configMap(String name) {
    return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("ConfigMap " + name + " is mounted but not declared"));
  }

  static Topology topology() {
    String yaml = configMap("laneway-topology").getData().get("topology.yaml");
    return TopologyLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "laneway-topology");
  }

  @Test
  void everyKind_isPresent() {
    assertEquals(1, all(Namespace.class).size());
    assertEquals(3, all(Deployment.class).size(), "a gateway and a node per region");
    assertEquals(3, all(Service.class).size());
    assertEquals(2, all(ConfigMap.class).size());
    for (HasMetadata r : ALL) {
      if (!(r instanceof Namespace)) assertEquals("laneway", r.getMetadata().getNamespace(), r.getMetadata().getName());
    }
  }

  @Test
  void configMaps_loadWithLanewaysOwnLoaders() {
    Topology t = topology();
    assertTrue(t.lanes().stream().allMatch(LaneSpec::isRemote), "the gateway reaches every lane through a node");
    String policy = configMap("laneway-policy").getData().get("policy.yaml");
    PolicyLoader.check(PolicyLoader.parse(policy, "laneway-policy"), t, policy);
  }

  @Test
  void docsExamples_loadWithLanewaysOwnLoaders() throws Exception {
    Path dir = Path.of("..", "docs", "examples");
    if (!Files.isDirectory(dir)) dir = Path.of("docs", "examples");
    Topology t = dev.laneway.topology.TopologyLoader.load(dir.resolve("topology.yaml"));
    var policy = PolicyLoader.load(dir.resolve("policy.yaml"), t);
    assertTrue(policy.hedging().enabled(), "the example shows every overload key");
    assertEquals(java.time.Duration.ofMillis(50), policy.latencyBudget("interactive"));
  }

  @Test
  void deployments_mountDeclaredConfigMaps_andArgsParse_andProbesHitHealth_andGraceOutlastsDrain() {
    for (Deployment d : all(Deployment.class)) {
      String name = d.getMetadata().getName();
      var pod = d.getSpec().getTemplate().getSpec();
      assertEquals(d.getSpec().getSelector().getMatchLabels(),
          filter(d.getSpec().getTemplate().getMetadata().getLabels(), d.getSpec().getSelector().getMatchLabels()),
          name + ": the selector matches the pod template's labels");
      Container c = pod.getContainers().get(0);
      List<String> args = new ArrayList<>(c.getArgs());
      boolean node = !args.isEmpty() && args.get(0).equals("node");
      if (node) args.remove(0);
      GatewayOptions o = GatewayOptions.parse(args.toArray(String[]::new));
      assertEquals(node, o.nodeRegion() != null, name + ": a node has --region, a gateway has not");
      for (Path file : Stream.of(o.topology(), o.policy()).filter(p -> p != null).toList()) {
        VolumeMount m = c.getVolumeMounts().stream().filter(v -> file.startsWith(v.getMountPath())).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": " + file + " is not under a volume mount"));
        Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": volume " + m.getName() + " not declared"));
        ConfigMap cm = configMap(v.getConfigMap().getName());
        String key = v.getConfigMap().getItems().stream()
            .filter(i -> Path.of(m.getMountPath(), i.getPath()).equals(file)).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no item of " + cm.getMetadata().getName() + " at " + file))
            .getKey();
        assertTrue(cm.getData().containsKey(key), name + ": key " + key + " in " + cm.getMetadata().getName());
      }
      assertEquals(o.httpPort(), port(c, "http"), name + ": the http port is --http-port");
      assertEquals(o.grpcPort(), port(c, "grpc"), name + ": the grpc port is --grpc-port");
      assertEquals(o.metricsPort(), port(c, "metrics"), name + ": the metrics port is --metrics-port");
      probe(name + " readiness", c.getReadinessProbe(), "/v2/health/ready");
      probe(name + " liveness", c.getLivenessProbe(), "/v2/health/live");
      if (c.getStartupProbe() != null) probe(name + " startup", c.getStartupProbe(), "/v2/health/ready");
      long preStop = Optional.ofNullable(c.getLifecycle()).map(l -> l.getPreStop()).map(p -> p.getExec())
          .map(e -> e.getCommand()).filter(cmd -> cmd.size() == 2 && cmd.get(0).equals("sleep"))
          .map(cmd -> Long.parseLong(cmd.get(1))).orElseThrow(() -> new AssertionError(name + ": preStop sleep"));
      assertTrue(pod.getTerminationGracePeriodSeconds() > o.drainTimeout().toSeconds() + preStop,
          name + ": terminationGracePeriodSeconds " + pod.getTerminationGracePeriodSeconds() + " > drain "
              + o.drainTimeout().toSeconds() + " s + preStop " + preStop + " s");
    }
  }

  @Test
  void tls_everyProcessServesTls_fromFilesMountedFromSecrets_andTheLinksAreMutual() {
    Topology t = topology();
    assertTrue(t.tlsRequired(), "the topology requires TLS");
    for (LaneSpec lane : t.lanes()) {
      assertTrue(lane.remote().tls() && lane.remote().identity() != null && lane.remote().clientCert() != null,
          lane.id() + ": TLS to its node, the node's identity pinned, a client certificate presented");
    }
    for (Deployment d : all(Deployment.class)) {
      String name = d.getMetadata().getName();
      var pod = d.getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      List<String> args = new ArrayList<>(c.getArgs());
      boolean node = args.get(0).equals("node");
      if (node) args.remove(0);
      GatewayOptions o = GatewayOptions.parse(args.toArray(String[]::new));
      List<Path> secretFiles = new ArrayList<>(Stream.of(o.tlsCert(), o.tlsKey(), o.tlsClientCa(), o.adminTokenFile())
          .filter(p -> p != null).toList());
      assertTrue(o.tlsCert() != null && o.tlsKey() != null, name + ": --tls-cert and --tls-key");
      if (node) assertTrue(o.tlsClientCa() != null && !o.tlsClientIdentities().isEmpty(), name + ": gRPC is mutual");
      else t.lanes().forEach(l -> secretFiles.add(Path.of(l.remote().clientCert())));
      for (Path file : secretFiles) {
        VolumeMount m = c.getVolumeMounts().stream().filter(v -> file.startsWith(v.getMountPath())).findFirst()
            .orElseThrow(() -> new AssertionError(name + ": " + file + " is not under a volume mount"));
        Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
        assertNotNull(v.getSecret(), name + ": " + file + " comes from a Secret");
      }
      assertEquals("HTTPS", c.getReadinessProbe().getHttpGet().getScheme(), name + ": probes speak TLS");
    }
  }

  @Test
  void remoteLanes_reachTheirRegionsNode_throughADeclaredService_andGpuNodesAskForGpus() {
    Topology t = topology();
    for (LaneSpec lane : t.lanes()) {
      String host = lane.remote().host();
      String[] parts = host.split("\\.");
      assertTrue(host.endsWith(".laneway.svc.cluster.local") && parts.length == 5,
          lane.id() + ": " + host + " (expected: <service>.laneway.svc.cluster.local)");
      Service s = all(Service.class).stream().filter(x -> x.getMetadata().getName().equals(parts[0])).findFirst()
          .orElseThrow(() -> new AssertionError(lane.id() + ": no Service " + parts[0]));
      var sp = s.getSpec().getPorts().stream().filter(p -> p.getPort() == lane.remote().port()).findFirst()
          .orElseThrow(() -> new AssertionError(lane.id() + ": Service " + parts[0] + " has no port "
              + lane.remote().port()));
      Deployment d = all(Deployment.class).stream().filter(x -> selects(s, x)).findFirst()
          .orElseThrow(() -> new AssertionError("Service " + parts[0] + " selects no Deployment"));
      Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertEquals("grpc", sp.getTargetPort().getStrVal(), lane.id() + ": the Service targets the grpc port");
      List<String> args = new ArrayList<>(c.getArgs());
      assertEquals("node", args.remove(0), lane.id() + ": served by a node");
      GatewayOptions o = GatewayOptions.parse(args.toArray(String[]::new));
      assertEquals(lane.region(), o.nodeRegion(), lane.id() + ": the Service's node serves the lane's region");
      boolean gpu = lane.devices().stream().anyMatch(dev -> t.device(dev).kind().name().equals("GPU"));
      if (gpu) {
        assertNotNull(c.getResources().getLimits().get("nvidia.com/gpu"), d.getMetadata().getName()
            + ": a GPU lane's node asks for nvidia.com/gpu");
      }
    }
  }

  static boolean selects(Service s, Deployment d) {
    Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
    return s.getSpec().getSelector().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  static Map<String, String> filter(Map<String, String> labels, Map<String, String> keys) {
    Map<String, String> out = new java.util.HashMap<>();
    keys.keySet().forEach(k -> {
      if (labels.containsKey(k)) out.put(k, labels.get(k));
    });
    return out;
  }

  static int port(Container c, String name) {
    return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError(c.getName() + ": no port named " + name));
  }

  static void probe(String what, Probe p, String path) {
    assertNotNull(p, what);
    assertNotNull(p.getHttpGet(), what + ": httpGet");
    assertEquals(path, p.getHttpGet().getPath(), what);
    assertEquals("http", p.getHttpGet().getPort().getStrVal(), what + ": on the HTTP port");
  }

  @Test
  void unknownField_isCaught() throws Exception {
    JsonNode doc = YAML.readTree("""
        apiVersion: v1
        kind: Service
        metadata: {name: x}
        spec: {ports: [{port: 1, tagetPort: 2}]}
        """);
    Service s = YAML.treeToValue(doc, Service.class);
    AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
        () -> noUnknownFields(s, "x"));
    assertTrue(e.getMessage().contains("tagetPort"), e.getMessage());
    assertTrue(Arrays.asList(KINDS.keySet().toArray()).contains("Service"));
  }
}
