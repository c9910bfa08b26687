package dev.laneway.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.laneway.topology.LaneSpec;
import dev.laneway.topology.Region;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads routing policy YAML into a checked {@link RoutingPolicy}, with the topology loader's conventions (snake_case,
 * unknown keys refused, durations) and its error form: {@code policy.yaml:12:9: rules[1].lanes[0].lane: unknown lane
 * 'hk-tpu' (expected one of: hk-general, hk-npu, intl-general)}. Used at start-up and on every reload, so both give
 * the same errors.
 */
public final class PolicyLoader {
  /** The resource holding the embedded default. */
  public static final String DEFAULT_RESOURCE = "laneway/default-policy.yaml";

  private static final ObjectMapper YAML = TopologyLoader.yamlMapper();

  private PolicyLoader() {}

  public static RoutingPolicy embeddedDefault() {
    try (InputStream in = PolicyLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) throw new IllegalStateException("the embedded default policy is missing from the classpath");
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "embedded default (" + DEFAULT_RESOURCE + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads and checks a file against a topology. Throws {@link PolicyException} with file:line:col errors. */
  public static RoutingPolicy load(Path file, Topology topology) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new PolicyException(file + ": cannot read: " + e.getMessage(), e);
    }
    RoutingPolicy p = parse(text, file.toString());
    check(p, topology, text);
    return p;
  }

  /** Parses YAML text (no topology checks). */
  public static RoutingPolicy parse(String text, String source) {
    try {
      RoutingPolicy p = YAML.readValue(text, RoutingPolicy.class);
      if (p == null) throw new PolicyException(source + ": empty file", null);
      return new RoutingPolicy(
          p.requireApiKey(), p.tenants(), p.rules(), p.latencyBudgets(), p.spillover(), p.hedging(), p.tenantDefaults(),
          source);
    } catch (JsonProcessingException e) {
      String message = TopologyLoader.describe(source, e);
      if (e instanceof UnrecognizedPropertyException u) {
        // Jackson places an unknown key of a record at the end of its object; the key's own line is more useful
        String where = locate(text, u.getPropertyName());
        if (!where.isEmpty()) message = source + where + message.substring(message.indexOf(": "));
      } else if (e instanceof JsonMappingException m && rootCause(e) instanceof IllegalArgumentException iae) {
        String placed = place(text, source, m, iae.getMessage());
        if (placed != null) message = placed;
      }
      throw new PolicyException(message, e);
    }
  }

  /**
   * Checks a policy's references against a topology: selector lanes and regions, matched regions and models, tenant
   * residencies and models. {@code text} (may be null) is the file's text, used to give the line of a bad value.
   */
  public static void check(RoutingPolicy p, Topology topology, String text) {
    Set<String> lanes = new TreeSet<>(topology.lanes().stream().map(LaneSpec::id).toList());
    Set<String> regions = new TreeSet<>(topology.regions().stream().map(Region::id).toList());
    Set<String> models = new TreeSet<>(topology.models().stream().map(m -> m.name()).toList());
    for (int i = 0; i < p.rules().size(); i++) {
      Rule r = p.rules().get(i);
      String at = "rules[" + i + "]";
      ref(p, text, at + ".match.model", "model", r.match().model(), models, true);
      ref(p, text, at + ".match.client_region", "client_region", r.match().clientRegion(), regions, true);
      for (int j = 0; j < r.lanes().size(); j++) {
        Selector s = r.lanes().get(j);
        ref(p, text, at + ".lanes[" + j + "].lane", "lane", s.lane(), lanes, false);
        if (s.lane() == null && !List.of("client", "any", "other").contains(s.region())) {
          ref(p, text, at + ".lanes[" + j + "].region", "region", s.region(), regions, false);
        }
      }
    }
    for (int i = 0; i < p.tenants().size(); i++) {
      Tenant t = p.tenants().get(i);
      ref(p, text, "tenants[" + i + "].residency", "residency", t.residency(), regions, false);
      for (String m : t.models()) ref(p, text, "tenants[" + i + "].models", "models", m, models, false);
      checkLimits(p, text, "tenants[" + i + "].limits", t.limits(), regions, models);
    }
    checkLimits(p, text, "tenant_defaults.limits", p.tenantDefaults().limits(), regions, models);
  }

  private static void checkLimits(RoutingPolicy p, String text, String at, Limits l, Set<String> regions,
      Set<String> models) {
    for (String r : l.regions().keySet()) ref(p, text, at + ".regions", "residency", r, regions, false);
    for (String m : l.models().keySet()) ref(p, text, at + ".models", "models", m, models, false);
  }

  private static void ref(RoutingPolicy p, String text, String field, String key, String value, Set<String> known,
      boolean wildcard) {
    if (value == null || known.contains(value) || (wildcard && value.equals("*"))) return;
    String kind = key.equals("residency") ? "region" : key.replace("client_", "").replace("models", "model");
    throw new PolicyException(p.source() + locate(text, value) + ": " + field + ": unknown " + kind + " '" + value
        + "' (expected one of: " + String.join(", ", known) + ")", null);
  }

  /** The top-level keys whose records' checks {@link #place} locates by key. */
  private static final Set<String> PLACED = Set.of("latency_budgets", "spillover", "hedging");

  /**
   * A record's own check (a compact constructor's {@code field: value (expected: ...)}) fails where Jackson has
   * finished reading the object, which is the line after it. For the keys of {@link #PLACED} (maps of scalars, no
   * lists of objects, so a key path is unambiguous) this finds the key itself, and a named unknown latency class
   * within it: {@code policy.yaml:4:3: spillover.margin: 0.5 (expected: >= 1)}. Null when the message is not of that
   * form or the key cannot be found (the caller keeps Jackson's location).
   */
  private static String place(String text, String source, JsonMappingException e, String message) {
    if (text == null || message == null) return null;
    int colon = message.indexOf(": ");
    if (colon < 0 || !message.substring(0, colon).matches("[a-z_]+(\\.[a-z_]+)*")) return null;
    List<String> keys = new ArrayList<>();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() == null) return null;
      keys.add(r.getFieldName());
    }
    keys.addAll(List.of(message.substring(0, colon).split("\\.")));
    if (!PLACED.contains(keys.get(0))) return null;
    int at = 0;
    for (String key : keys) {
      at = find(text, Pattern.quote(key) + "\\s*:", at);
      if (at < 0) return null;
    }
    Matcher unknown = Pattern.compile("unknown latency class '([^']*)'").matcher(message);
    if (unknown.find()) {
      int value = find(text, Pattern.quote(unknown.group(1)), at);
      if (value >= 0) at = value;
    }
    return source + lineCol(text, at) + ": " + String.join(".", keys) + message.substring(colon);
  }

  /** {@code :line:col} of the first occurrence of a value in the text, or empty. */
  static String locate(String text, String value) {
    if (text == null) return "";
    int at = find(text, Pattern.quote(value), 0);
    return at < 0 ? "" : lineCol(text, at);
  }

  /** Where a regex first matches a whole word (not part of a longer id) at or after {@code from}, or -1. */
  private static int find(String text, String regex, int from) {
    Matcher m = Pattern.compile("(?<![\\w.-])" + regex + "(?![\\w.-])").matcher(text);
    return m.find(from) ? m.start() : -1;
  }

  private static String lineCol(String text, int offset) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < offset; i++) {
      if (text.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return ":" + line + ":" + (offset - lineStart + 1);
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root;
  }
}
