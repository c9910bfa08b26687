package dev.laneway.topology;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads topology YAML into validated {@link Topology} records. Errors name the file, the line and the field:
 * {@code topology.yaml:14:7: lanes[1].batching.max_batch_size: 0 (expected: >= 1)}.
 */
public final class TopologyLoader {
  /** The resource holding the embedded default. */
  public static final String DEFAULT_RESOURCE = "laneway/default-topology.yaml";

  private static final ObjectMapper YAML = yamlMapper();

  private TopologyLoader() {}

  /** A YAML mapper with the conventions every Laneway file uses: snake_case keys, unknown keys refused. */
  public static ObjectMapper yamlMapper() {
    SimpleModule durations = new SimpleModule("laneway-durations");
    durations.addDeserializer(
        Duration.class,
        new JsonDeserializer<>() {
          @Override
          public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            try {
              return Durations.parse(p.getValueAsString());
            } catch (IllegalArgumentException e) {
              throw JsonMappingException.from(p, e.getMessage(), e);
            }
          }
        });
    return JsonMapper.builder(new YAMLFactory())
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
        .addModule(durations)
        .build();
  }

  public static Topology embeddedDefault() {
    try (InputStream in = TopologyLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the embedded default topology is missing from the classpath");
      }
      return parse(in, "embedded default (" + DEFAULT_RESOURCE + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Topology load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new TopologyException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  public static Topology parse(InputStream in, String source) {
    try {
      Topology t = YAML.readValue(in, Topology.class);
      if (t == null) {
        throw new TopologyException(source + ": empty file", null);
      }
      return new Topology(t.localRegion(), t.regions(), t.links(), t.devices(), t.lanes(), t.models(), source,
          t.tlsRequired());
    } catch (JsonProcessingException e) {
      throw new TopologyException(describe(source, e), e);
    } catch (IOException e) {
      throw new TopologyException(source + ": " + e.getMessage(), e);
    }
  }

  /** {@code file:line:column: path: message}, from Jackson's location and reference path. */
  public static String describe(String source, JsonProcessingException e) {
    JsonLocation loc = e.getLocation();
    String where = loc == null ? source : source + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
    String path = "";
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          if (sb.length() > 0) sb.append('.');
          sb.append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          sb.append('[').append(r.getIndex()).append(']');
        }
      }
      path = sb + ": ";
    }
    String msg = e.getOriginalMessage();
    Throwable root = e.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof IllegalArgumentException iae) {
      msg = iae.getMessage();
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
      java.util.List<String> known = new java.util.ArrayList<>();
      if (u.getKnownPropertyIds() != null) u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      java.util.Collections.sort(known);
      msg = "unknown key '" + u.getPropertyName() + "' (expected one of: " + String.join(", ", known) + ")";
    } else if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f) {
      msg = "'" + f.getValue() + "' is not a valid " + f.getTargetType().getSimpleName()
          + (f.getTargetType().isEnum() ? " (expected one of: " + java.util.Arrays.toString(
              f.getTargetType().getEnumConstants()).toLowerCase(java.util.Locale.ROOT) + ")" : "");
    }
    if (msg != null && msg.indexOf('\n') > 0) {
      msg = msg.substring(0, msg.indexOf('\n'));
    }
    return where + ": " + path + msg;
  }
}
